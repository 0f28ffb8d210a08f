"""``main.py demo``: the whole pipeline on the bundled sample, headless.

Keyframe masks on 5 of 80 frames → rotoscoping to every frame → removal → ``OUT/demo.mp4`` (object
removed, same size, frame rate and frame count as the sample) and ``OUT/demo_matte/`` (PNG mattes).
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
    p.add_argument("--out", default="out", help="output folder (default: out/)")
    add_removal_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.cli.remove_command import propagate_project_masks, write_outputs
    from core.project.from_clip import project_with_masks
    from core.video import open_clip

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open_clip(SAMPLE_CLIP) as reader:
        project = project_with_masks(reader.info, SAMPLE_KEYFRAMES)
        print(f"{len(project.mask_keyframes())} keyframe masks on {reader.info.frame_count} frames")
        propagate_project_masks(project, reader)
        export_args = argparse.Namespace(
            codec="h264", quality=18, no_audio=False, method=args.method, model=args.model,
            device=args.device, prealign=args.prealign,
            output=str(out / "demo.mp4"), mattes=str(out / "demo_matte"),
        )
        write_outputs(project, reader, export_args)
    return 0
