"""What the subcommands that write files share: ``-y/--overwrite`` and the outputs they check.

Like ffmpeg, an output that exists is refused unless ``-y`` is given; unlike ffmpeg's, a folder
given as an output is never emptied: only the files Keyfill names are written into it
(:mod:`core.output_paths`, :func:`core.atomic_write.named_files_into`).
"""

from __future__ import annotations

from pathlib import Path

from core.output_paths import Output, frame_names, output_for

MATTE_VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv")
OVERWRITE_HELP = ("overwrite outputs that exist (like ffmpeg -y); without it an existing output file, or "
                  "a file of the same name in an output folder, is refused. Other files in an output "
                  "folder are never touched")


def add_overwrite_option(p) -> None:
    p.add_argument("-y", "--overwrite", action="store_true", help=OVERWRITE_HELP)


def mattes_as_video(dest: str | Path) -> bool:
    """``--mattes`` names a matte video (by its suffix) rather than a folder of PNGs."""
    return Path(dest).suffix.lower() in MATTE_VIDEO_SUFFIXES


def mattes_output(dest: str | Path, frame_count: int, what: str = "--mattes") -> Output:
    """The mattes as an output: a video file, or a folder of ``00000.png`` ... per frame."""
    if mattes_as_video(dest):
        return output_for(dest, what)
    return output_for(dest, what, names=frame_names(range(frame_count)))


def export_outputs(args, frame_count: int) -> list[Output]:
    """``-o`` (the cleaned clip) and ``--mattes`` of remove, export and demo, where given."""
    outputs = [output_for(args.output, "-o")] if getattr(args, "output", None) else []
    if getattr(args, "mattes", None):
        outputs.append(mattes_output(args.mattes, frame_count))
    return outputs
