"""``main.py demo``: the whole pipeline on the bundled sample, headless.

Keyframe masks on 5 of 80 frames → rotoscoping to every frame → removal → ``OUT/demo.mp4`` (object
removed, same size, frame rate and frame count as the sample) and ``OUT/demo_matte/`` (PNG mattes).
The demo owns those two names: running it again overwrites them (and nothing else in ``OUT``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
SAMPLE_CLIP = SAMPLES / "bmx-trees.mp4"
SAMPLE_KEYFRAMES = SAMPLES / "bmx-trees_masks"


def add_parser(subparsers) -> None:
    from core.cli.remove_command import add_removal_options

    p = subparsers.add_parser("demo", help="run the whole pipeline on the bundled sample clip")
    p.add_argument("--out", default="out", help="output folder (default: out/); demo.mp4 and the PNGs of "
                   "demo_matte/ there are overwritten, nothing else in it is touched")
    add_removal_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.cli.output_options import mattes_output
    from core.cli.remove_command import propagate_project_masks, removal_options, write_outputs
    from core.output_paths import check_outputs, output_for
    from core.project.from_clip import project_with_masks
    from core.video import open_clip

    out = Path(args.out)  # created by the first write
    options = removal_options(args)
    with open_clip(SAMPLE_CLIP) as reader:
        export_args = argparse.Namespace(
            codec="h264", quality=18, no_audio=False, overwrite=True,  # its own two outputs
            output=str(out / "demo.mp4"), mattes=str(out / "demo_matte"), workers=args.workers,
        )
        outputs = [output_for(export_args.output, "--out"),
                   mattes_output(export_args.mattes, reader.info.frame_count, "--out")]
        check_outputs(outputs, {"the sample clip": SAMPLE_CLIP, "the sample's keyframes": SAMPLE_KEYFRAMES},
                      overwrite=True)
        project = project_with_masks(reader.info, SAMPLE_KEYFRAMES)
        project.update_settings(fill_texture=args.texture)
        print(f"{len(project.mask_keyframes())} keyframe masks on {reader.info.frame_count} frames")
        propagate_project_masks(project, reader)
        write_outputs(project, reader, export_args, options)
    return 0
