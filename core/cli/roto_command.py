"""``main.py roto CLIP --keyframes DIR -o MASKS``: rotoscope an object from a few keyframe masks.

Writes one 0/255 PNG mask per frame (``00000.png``, ``00001.png``, …; keyframes as painted) and,
with ``--mattes``, the soft mattes (0..255) the masks are thresholded from.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from core.cli.output_options import add_overwrite_option
from core.cli.terminal_progress import clip_progress


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "roto", help="propagate keyframe masks to every frame of a clip and write the masks",
        description="Rotoscope: carry the object's keyframe masks to every frame along its motion, "
        "re-anchored on where each frame differs from its background, pulled onto the object's outline "
        "by a small network learned from the keyframes, and write one PNG mask per frame.",
    )
    p.add_argument("clip", help="a video file or a folder of images")
    p.add_argument("--keyframes", required=True,
                   help="a folder of keyframe masks named by frame number (00020.png = frame 20), 0/255 PNG")
    p.add_argument("-o", "--output", required=True, help="folder for the masks, one 0/255 PNG per frame (%%05d.png), "
                   "written into it beside whatever it holds")
    p.add_argument("--mattes", help="also write the soft mattes (0..255 PNG per frame, %%05d.png) to this folder")
    p.add_argument("--resize-masks", action="store_true",
                   help="resize keyframe masks of another size to the clip's size")
    p.add_argument("--working-width", type=int, default=480, help="width flow runs at (default 480 px)")
    p.add_argument("--roto-model", default="auto",
                   help="the rotoscoping network that corrects the propagated mattes: a checkpoint path, "
                   "'auto' (resources/models/keyfill-roto.pt when it loads) or 'none' (classical only)")
    p.add_argument("--refine-steps", type=int, default=None,
                   help="training steps of the clip refiner, learned from the keyframes to pull every "
                   "propagated matte onto the object's outline, then on its own answers for the propagated frames "
                   "(default 100 from the shipped pretrained weights, 300 from scratch with "
                   "KEYFILL_REFINER_MODEL=none: 10 s to 2 min on 2 CPU cores; 0 turns it off)")
    add_overwrite_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.export import export_mattes
    from core.output_paths import check_outputs, where_written
    from core.project.from_clip import project_with_masks
    from core.roto import RotoOptions, project_keyframes, propagated_project_results
    from core.roto.matte_model import roto_model_path
    from core.process_memory import return_large_blocks_for
    from core.video import open_clip

    # PNG-compressed results: long 4K clips fit; out-of-range values are refused here, before any work
    options = RotoOptions(working_width=args.working_width, refine_steps=args.refine_steps, compact=True)
    options = replace(options, matte_model=chosen_matte_model(args.roto_model))
    with open_clip(args.clip) as reader:
        return_large_blocks_for(reader.info.width, reader.info.height)  # peak memory at 4K
        info = reader.info
        outputs = roto_outputs(args, info.frame_count)
        check_outputs(outputs, {"the clip": args.clip, "the keyframes": args.keyframes,
                                "the rotoscoping model": roto_model_path(_named_model(args.roto_model))},
                      overwrite=args.overwrite)
        where = [where_written(output) for output in outputs]  # measured before writing
        project = project_with_masks(info, args.keyframes, resize=args.resize_masks)
        bar = clip_progress("roto", info.frame_count, ["rotoscoping", "masks"] + ["mattes"] * bool(args.mattes))
        results = propagated_project_results(
            project_keyframes(project), reader.frame, info.frame_count, options=options,
            progress=bar.stage("rotoscoping"),
        )
    export_mattes(combined_objects(results, info.frame_count, "mask"), info, Path(args.output),
                  overwrite=args.overwrite, progress=bar.stage("masks"))
    print(f"wrote {info.frame_count} masks {where[0]}")
    if args.mattes:
        export_mattes(combined_objects(results, info.frame_count, "matte"), info, Path(args.mattes),
                      overwrite=args.overwrite, progress=bar.stage("mattes"))
        print(f"wrote {info.frame_count} mattes {where[1]}")
    return 0


def roto_outputs(args, frame_count: int) -> list:
    """``-o`` (the masks) and ``--mattes``: folders of ``00000.png`` ... per frame."""
    from core.output_paths import frame_names, output_for

    names = frame_names(range(frame_count))
    folders = [("-o", args.output)] + ([("--mattes", args.mattes)] if args.mattes else [])
    return [output_for(path, what, names=names) for what, path in folders]


def chosen_matte_model(choice: str):
    """``--roto-model``: 'none' -> None; 'auto' -> the shipped model or None (said on stdout); a path
    -> that model (a clear error when it does not load)."""
    from core.roto.matte_model import find_matte_model, load_matte_model

    if choice == "none":
        return None
    model = find_matte_model(notice=print) if choice == "auto" else load_matte_model(choice)
    if model is not None:
        print(f"correcting propagated mattes with {model.path}")
    return model


def _named_model(choice: str) -> str | None:
    return None if choice in ("auto", "none") else choice


def combined_objects(results: dict, frame_count: int, field: str) -> Iterator[np.ndarray]:
    """Per frame, the union of the objects' masks (``field="mask"``) or the maximum of their mattes
    (``"matte"``), ``(H, W)`` uint8; made one frame at a time as it is written, not all kept."""
    for frame in range(frame_count):
        yield np.maximum.reduce([getattr(per_frame[frame], field) for per_frame in results.values()])
