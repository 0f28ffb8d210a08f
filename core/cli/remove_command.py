"""``main.py remove CLIP --masks MASKS -o OUT``: remove an object from a whole clip."""

from __future__ import annotations

from pathlib import Path

from core.cli.output_options import add_overwrite_option, export_outputs, mattes_as_video, mattes_output
from core.cli.terminal_progress import TerminalProgress, clip_progress
from core.output_paths import where_written
from core.progress import ProgressFn
from core.render import REMOVAL_METHODS, RemovalOptions


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "remove", help="remove the masked object from a whole clip and write the cleaned clip",
        description="Fill the masked area of every frame with background from other frames. "
        "Method 'network' is the keyframe propagation network (every 20th frame from 14 keyframes, "
        "the frames between along optical flow); 'flow' is the classical flow fill (flow-guided "
        "propagation + Telea inpainting); 'auto' takes the network when a checkpoint loads.",
    )
    p.add_argument("clip", help="a video file or a folder of images")
    add_mask_options(p)
    p.add_argument("-o", "--output", required=True, help="the cleaned clip (.mp4 for H.264, .mov for ProRes); "
                   "an existing file is replaced only with -y")
    add_removal_options(p)
    add_export_options(p)
    p.set_defaults(run=run)


def add_mask_options(p, *, for_clip_only: bool = False) -> None:
    """The object's masks, of remove and of render given a clip (``for_clip_only``: not needed for a project)."""
    p.add_argument("--masks", required=not for_clip_only,
                   help=("for a clip: " if for_clip_only else "") + "a folder of per-frame masks named by frame "
                   "number (0/255 PNG), or one image used on every frame")
    p.add_argument("--propagate", action="store_true",
                   help="the masks folder holds keyframes only: rotoscope the other frames first")
    p.add_argument("--resize-masks", action="store_true", help="resize masks of another size to the clip's size")


def add_removal_options(p, *, method_default: str | None = "auto") -> None:
    """Options choosing and tuning the fill, shared by remove, demo and render."""
    p.add_argument("--method", choices=REMOVAL_METHODS, default=method_default,
                   help=f"which fill (default: {method_default or 'the project setting'}): network, flow, "
                   "or auto (the network when a checkpoint loads, else flow)")
    p.add_argument("--model", help="the network's checkpoint (default: $KEYFILL_MODEL, else "
                   "resources/models/keyfill-base.pt)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="where the network runs (default: auto)")
    p.add_argument("--prealign", action="store_true",
                   help="carry reliable keyframe pixels into the hole along flow before the network")
    p.add_argument("--texture", action="store_true",
                   help="fill what no frame shows with patches of the frame's own background (a wall's bricks, "
                   "gravel, leaves continued) instead of Telea's smooth smear; lower PSNR on the evaluation "
                   "clips and it can copy the wrong surface (docs/quality.md)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes rendering the clip's 20-frame chunks side by side (a Dask LocalCluster; "
                   "default 1: in this process)")


def print_notice(message: str) -> None:
    """A fill that went another way than asked (e.g. no checkpoint: the flow fill), on stderr."""
    import sys

    print(f"keyfill: note: {message}", file=sys.stderr)


def removal_options(args) -> RemovalOptions:
    """The removal's options from the parsed arguments (absent ones: defaults), checked once here."""
    return RemovalOptions(method=getattr(args, "method", None), model_path=getattr(args, "model", None),
                          device=getattr(args, "device", "auto"), prealign=getattr(args, "prealign", False))


def add_export_options(p) -> None:
    """Options shared by every command that writes a clip."""
    p.add_argument("--codec", choices=["h264", "prores"], default="h264", help="H.264 (default) or ProRes 422 HQ")
    p.add_argument("--quality", type=int, default=18, help="H.264 CRF, 0 (lossless) to 51 (default 18)")
    p.add_argument("--no-audio", action="store_true", help="drop the source's audio")
    p.add_argument("--mattes", help="also write the mattes: a folder (00000.png ... per frame, written into "
                   "it beside whatever it holds) or a video file (.mp4, .mov)")
    p.add_argument("--working-width", type=int, default=480, help="width flow runs at (default 480 px)")
    add_overwrite_option(p)


def run(args) -> int:
    from core.project.from_clip import project_with_masks
    from core.process_memory import return_large_blocks_for
    from core.video import open_clip

    options = removal_options(args)  # checked before the clip is opened
    with open_clip(args.clip) as reader:
        return_large_blocks_for(reader.info.width, reader.info.height)  # peak memory at 4K
        check_export_outputs(args, reader.info, {"the clip": args.clip, "the masks": args.masks})
        project = project_with_masks(
            reader.info, args.masks, resize=args.resize_masks, every_frame=not args.propagate
        )
        project.update_settings(working_width=args.working_width, fill_texture=args.texture)
        bar = clip_progress("remove", reader.info.frame_count,
                            ["rotoscoping"] * args.propagate + ["removing"] + ["mattes"] * bool(args.mattes),
                            removing=removal_seconds_per_frame(args))
        if args.propagate:
            propagate_project_masks(project, reader, progress=bar.stage("rotoscoping"))
        write_outputs(project, reader, args, options, bar=bar)
    return 0


def removal_seconds_per_frame(args) -> float:
    """The removal's expected pace, for the progress bar: the network's when it will run."""
    from core.cli.terminal_progress import NETWORK_SECONDS_PER_FRAME, SECONDS_PER_FRAME
    from core.render.model_finder import model_path

    network = args.method == "network" or (args.method == "auto" and model_path(args.model).is_file())
    return NETWORK_SECONDS_PER_FRAME if network else SECONDS_PER_FRAME["removing"]


def check_export_outputs(args, info, inputs: dict) -> None:
    """Refuse ``-o`` / ``--mattes`` that would write over an input (``inputs``, plus the removal
    model), each other, or (without ``-y``) existing files; before any long work."""
    from core.output_paths import check_outputs
    from core.render.model_finder import model_path

    inputs = {**inputs, "the removal model": model_path(getattr(args, "model", None))}
    check_outputs(export_outputs(args, info.frame_count), inputs, overwrite=getattr(args, "overwrite", False))


def propagate_project_masks(project, reader, progress: ProgressFn | None = None) -> None:
    """Rotoscope every object's keyframe masks to the whole clip (in place)."""
    from core.roto import propagate_project

    propagate_project(project, reader.frame, progress=progress or TerminalProgress("rotoscoping"))


def write_outputs(project, reader, args, options: RemovalOptions, bar: TerminalProgress | None = None, *,
                  preview=None) -> None:
    """Render the removal with ``options`` and write the clip (and the mattes when asked) as
    ``args`` say (``-o``, ``--codec``, ``--quality``, ``--no-audio``, ``--mattes``, ``-y``,
    ``--workers``); ``bar``: the command's
    bar, with the stages "removing" (and "mattes"), else a bar of their own; ``preview``: a saved
    project's store for the window's preview (``core.cli.preview_frames``) that keeps the frames."""
    from core.cleaned_frames import kept_frames
    from core.export import ExportSettings, export_clip
    from core.project.mask_coverage import check_removal_masks
    from core.video.source_notices import source_notices

    overwrite = getattr(args, "overwrite", False)
    settings = ExportSettings(codec=args.codec, quality=args.quality, keep_audio=not args.no_audio)
    check_removal_masks(project, print_notice)
    for message in source_notices(reader.info, codec=args.codec):
        print_notice(message)
    progress = bar.stage("removing") if bar is not None else TerminalProgress("removing")
    frames = cleaned_clip(project, reader, options, getattr(args, "workers", None), progress)
    if preview is not None:
        frames = kept_frames(frames, preview.put, notice=print_notice)
    out = export_clip(frames, reader.info, Path(args.output), settings=settings, overwrite=overwrite)
    print(f"wrote {out}")
    if preview is not None and preview.count:
        print(preview.report())
    if args.mattes:
        write_mattes(project, reader.info, Path(args.mattes), overwrite=overwrite,
                     progress=bar.stage("mattes") if bar is not None else None)


def cleaned_clip(project, reader, options: RemovalOptions, workers: int | None, progress: ProgressFn):
    """The removal's frames in order: from ``workers`` processes when the clip has several
    chunks, else in this process (the default: interrupting a ``LocalCluster`` while it starts
    makes Dask print a traceback at exit, tests/reliability/test_leftover_parts.py)."""
    from core.errors import KeyfillError
    from core.farm import removed_frames_on_cores
    from core.render import ANCHOR_STEP, removed_frames

    workers = 1 if workers is None else workers
    if workers < 1:
        raise KeyfillError(f"--workers {workers} renders nothing; give 1 or more.")
    if workers < 2 or project.clip.frame_count <= ANCHOR_STEP:
        return removed_frames(project, reader.frame, options, notice=print_notice, progress=progress)
    return removed_frames_on_cores(project, options.with_model_file(), workers=workers,
                                   notice=print_notice, progress=progress)


def write_mattes(project, info, dest: Path, *, overwrite: bool = False, progress: ProgressFn | None = None) -> None:
    from core.export import export_mattes

    count = project.clip.frame_count
    mattes = (project.removal_mask(i) for i in range(count))
    as_video = mattes_as_video(dest)
    where = None if as_video else where_written(mattes_output(dest, count))  # measured before writing
    export_mattes(mattes, info, dest, as_video=as_video, overwrite=overwrite,
                  progress=progress or TerminalProgress("mattes"))
    print(f"wrote {dest}" if as_video else f"wrote {count} mattes {where}")
