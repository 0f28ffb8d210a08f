"""``main.py render PROJECT_or_CLIP --frames 40-59 -o DIR``: cleaned frames as PNG files.

For render farms: a frame's result depends only on the network-rendered frames around it
(every 20th, :mod:`core.render.keyframe_schedule`), so machines rendering ``0-19``, ``20-39``,
... each on their own write the same frames as one whole-clip render. Files are
``DIR/000040.png`` ... (six-digit frame numbers): written into a hidden temporary folder and moved
into ``DIR`` when the whole range is rendered, so a failed, cancelled or killed render leaves no
PNG of its range (:func:`core.atomic_write.named_files_into`); other files of ``DIR`` (other
machines' chunks) are never touched.
"""

from __future__ import annotations

from pathlib import Path

from core.cli.output_options import add_overwrite_option
from core.cli.terminal_progress import TerminalProgress


def add_parser(subparsers) -> None:
    from core.cli.remove_command import add_mask_options, add_removal_options

    p = subparsers.add_parser(
        "render", help="render cleaned frames (a range of them, for render farms) as PNG files",
        description="Render the removal of a range of frames into a folder of PNGs. Chunks of 20 frames "
        "starting at multiples of 20 (0-19, 20-39, ...) are independent: render them anywhere.",
    )
    p.add_argument("source", help="a .keyfill project, or a clip (video file or image folder) with --masks")
    add_mask_options(p, for_clip_only=True)
    p.add_argument("--frames", help="frames to render, FIRST-LAST inclusive, 0-based (default: all)")
    p.add_argument("-o", "--output", required=True, help="folder for the PNG files (created if missing; "
                   "written into beside whatever it holds)")
    p.add_argument("--working-width", type=int, help="width flow and network run at (default: the project's, 480 px)")
    p.add_argument("--reprobe", action="store_true",
                   help="a project whose clip's frame count or rate changed since it was saved: use the clip as it "
                   "is now (masks stay on their frames)")
    p.add_argument("--scheduler", metavar="tcp://HOST:8786",
                   help="render the chunks on a Dask farm started with 'dask scheduler' and 'dask worker' "
                   "(the clip, the project, the model and -o on a path every machine sees)")
    add_removal_options(p, method_default=None)
    add_overwrite_option(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.cleaned_frames import kept_frames
    from core.cli.preview_frames import preview_frames
    from core.cli.remove_command import print_notice, propagate_project_masks, removal_options
    from core.errors import KeyfillError
    from core.project.clip_check import check_clip
    from core.project.mask_coverage import check_removal_masks
    from core.video.source_notices import source_notices
    from core.output_paths import where_written
    from core.render import parse_frame_range, removed_frames
    from core.render.model_finder import project_model
    from core.farm import render_on_farm
    from core.process_memory import return_large_blocks_for
    from core.video import open_clip

    project = _project(args)
    args.model = args.model or project_model(project)  # a project's own fine-tuned weights, if any
    _checked_output(args, project, range(0), overwrite=True)  # -o an input: refused before any work
    with open_clip(project.clip.path) as reader:
        return_large_blocks_for(reader.info.width, reader.info.height)  # peak memory at 4K
        if args.masks is not None:
            project = _clip_project(reader, args)
            if args.propagate:
                propagate_project_masks(project, reader)
        else:  # a project: its clip must still be the one it was made on
            reprobed = check_clip(project, reader.info, reprobe=args.reprobe)
            if reprobed:
                print_notice(reprobed)
        if args.working_width is not None:
            project.update_settings(working_width=args.working_width)
        if args.texture:
            project.update_settings(fill_texture=True)
        count = project.clip.frame_count
        try:
            frames = parse_frame_range(args.frames, count) if args.frames else range(count)
        except ValueError as exc:
            raise KeyfillError(f"{exc}; give --frames FIRST-LAST within 0-{count - 1}.") from None
        output = _checked_output(args, project, frames, overwrite=args.overwrite)
        where = where_written(output)  # measured before writing
        check_removal_masks(project, print_notice)
        for message in source_notices(reader.info, codec="png"):
            print_notice(message)
        farm = farm_options(args, project, frames)
        options = removal_options(args)
        preview = preview_frames(project, options, notice=print_notice) if args.masks is None else None
        if farm is not None:
            report = render_on_farm(project, frames, output.path, farm=farm, options=options.with_model_file(),
                                    overwrite=args.overwrite, notice=print_notice,
                                    progress=TerminalProgress("rendering"))
            where += f", {len(report.chunks)} chunks on {report.workers} Dask workers in {report.seconds:.1f} s"
            if preview is not None:
                preview.put_files(output.path, frames, print_notice)
        else:
            cleaned = removed_frames(project, reader.frame, options, start=frames.start, stop=frames.stop,
                                     notice=print_notice, progress=TerminalProgress("rendering"))
            if preview is not None:
                cleaned = kept_frames(cleaned, preview.put, start=frames.start, notice=print_notice)
            write_pngs(output, zip(frames, cleaned), overwrite=args.overwrite)
    print(f"wrote {len(frames)} frames ({frames.start}-{frames.stop - 1}) {where}")
    if preview is not None and preview.count:
        print(preview.report())
    return 0


def farm_options(args, project, frames: range):
    """Where the chunks run: a Dask farm (``--scheduler``), a ``LocalCluster`` of ``--workers``
    processes when the range has several chunks, else ``None``: this process (the default)."""
    from core.errors import KeyfillError
    from core.farm import FarmOptions, farm_chunks

    if args.workers is not None and args.workers < 1:
        raise KeyfillError(f"--workers {args.workers} renders nothing; give 1 or more.")
    if args.scheduler:
        return FarmOptions(scheduler=args.scheduler)
    if (args.workers or 1) < 2 or len(farm_chunks(frames, project.clip.frame_count)) < 2:
        return None
    workers = args.workers
    return FarmOptions(workers=workers)


def write_pngs(output, frames, *, overwrite: bool) -> None:
    """``(index, frame)`` pairs into the folder ``output.path``, all or none
    (:func:`core.atomic_write.named_files_into`)."""
    from core.atomic_write import named_files_into
    from core.errors import ExportError

    try:
        with named_files_into(output.path, output.names, overwrite=overwrite) as write:
            for index, frame in frames:
                write_png(write.folder / f"{index:06d}.png", frame)
    except OSError as error:
        raise ExportError(f"Cannot write the frames to {output.path} ({error.strerror or error}); nothing was "
                          "written: choose a folder you can write to, with enough free space.") from error


def write_png(path: Path, frame) -> None:
    """``(H, W, 3)`` uint8 RGB to a lossless PNG (``path`` is in the render's temporary folder)."""
    from core.farm import write_png as write_chunk_png

    write_chunk_png(path, frame)


def _checked_output(args, project, frames: range, *, overwrite: bool):
    """``-o`` as a folder of the range's PNGs, refused where it would write over an input (the
    project, the clip, the masks, the model) or, without ``overwrite``, over frames rendered before."""
    from core.output_paths import check_outputs, frame_names, output_for
    from core.render.model_finder import model_path

    output = output_for(args.output, "-o", names=frame_names(frames, digits=6))
    from_project = args.masks is None  # else the source is the clip
    check_outputs([output], {"the project": args.source if from_project else None, "the clip": project.clip.path,
                             "the masks": args.masks, "the removal model": model_path(args.model)},
                  overwrite=overwrite)
    return output


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
