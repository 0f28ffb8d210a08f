"""``main.py render PROJECT_or_CLIP --frames 40-59 -o DIR``: cleaned frames as PNG files.

For render farms: a frame's result depends only on the network-rendered frames around it
(every 20th, :mod:`core.render.keyframe_schedule`), so machines rendering ``0-19``, ``20-39``,
... each on their own write the same frames as one whole-clip render. Files are
``DIR/000040.png`` ... (six-digit frame numbers), each written atomically.
"""

from __future__ import annotations

from pathlib import Path

from core.cli.terminal_progress import TerminalProgress


def add_parser(subparsers) -> None:
    from core.cli.remove_command import add_removal_options

    p = subparsers.add_parser(
        "render", help="render cleaned frames (a range of them, for render farms) as PNG files",
        description="Render the removal of a range of frames into a folder of PNGs. Chunks of 20 frames "
        "starting at multiples of 20 (0-19, 20-39, ...) are independent: render them anywhere.",
    )
    p.add_argument("source", help="a .keyfill project, or a clip (video file or image folder) with --masks")
    p.add_argument("--masks", help="for a clip: a folder of per-frame masks named by frame number (0/255 PNG), "
                   "or one image used on every frame")
    p.add_argument("--propagate", action="store_true",
                   help="the masks folder holds keyframes only: rotoscope the other frames first")
    p.add_argument("--resize-masks", action="store_true", help="resize masks of another size to the clip's size")
    p.add_argument("--frames", help="frames to render, FIRST-LAST inclusive, 0-based (default: all)")
    p.add_argument("-o", "--output", required=True, help="folder for the PNG files (created if missing)")
    p.add_argument("--working-width", type=int, help="width flow and network run at (default: the project's, 480 px)")
    add_removal_options(p, method_default=None)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.cli.remove_command import propagate_project_masks, removal_options
    from core.errors import KeyfillError
    from core.render import parse_frame_range, removed_frames
    from core.video import open_clip

    project = _project(args)
    with open_clip(project.clip.path) as reader:
        if args.masks is not None:
            project = _clip_project(reader, args)
            if args.propagate:
                propagate_project_masks(project, reader)
        if args.working_width:
            project.update_settings(working_width=args.working_width)
        count = project.clip.frame_count
        try:
            frames = parse_frame_range(args.frames, count) if args.frames else range(count)
        except ValueError as exc:
            raise KeyfillError(f"{exc}; give --frames FIRST-LAST within 0-{count - 1}.") from None
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        cleaned = removed_frames(project, reader.frame, start=frames.start, stop=frames.stop,
                                 **removal_options(args), progress=TerminalProgress("rendering"))
        for index, frame in zip(frames, cleaned):
            write_png(out / f"{index:06d}.png", frame)
    print(f"wrote {len(frames)} frames ({frames.start}-{frames.stop - 1}) to {out}")
    return 0


def write_png(path: Path, frame) -> None:
    """``(H, W, 3)`` uint8 RGB to a lossless PNG, atomically."""
    import cv2
    import numpy as np

    from core.atomic_write import write_bytes_atomic
    from core.errors import ExportError

    ok, data = cv2.imencode(".png", np.ascontiguousarray(frame[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ExportError(f"Could not encode {path.name}; check the disk and try again.")
    write_bytes_atomic(path, data.tobytes())


def _project(args):
    """The project named by ``args.source``, or a stand-in whose clip is ``args.source``."""
    from core.errors import MaskError, ProjectError
    from core.project import SUFFIX, clip_found, load_project
    from core.project.from_clip import clip_ref
    from core.project.document import Project
    from core.video import probe

    source = Path(args.source)
    if source.suffix == SUFFIX:
        if args.masks is not None:
            raise MaskError("A project has its own masks; drop --masks, or give the clip instead of the project.")
        project = load_project(source)
        if not clip_found(project):
            raise ProjectError(f"The project's clip {project.clip.path} is missing; move it back or relink it "
                               "in the window.")
        return project
    if args.masks is None:
        raise MaskError(f"{source.name} is a clip: give its masks with --masks MASKS, or pass a .keyfill project.")
    return Project(clip=clip_ref(probe(source)))


def _clip_project(reader, args):
    from core.project.from_clip import project_with_masks

    return project_with_masks(reader.info, args.masks, resize=args.resize_masks, every_frame=not args.propagate)
