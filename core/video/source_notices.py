"""What Keyfill changes of a source without being asked, said before a job reads it.

- **Variable frame rate.** Frames are numbered on a constant grid (``core.video.video_decoder``):
  two pictures on one frame keep the first, a gap repeats the previous picture. How many pictures
  that drops and how many frames it doubles is counted here from the timestamps alone (the stream
  is demuxed, not decoded).
- **Bit depth.** Frames are 8-bit RGB from decoding to export, so a 10- or 12-bit source loses
  precision (H.264 is written 8-bit; ProRes is written 10-bit but holds the 8-bit pixels).

The CLI prints these as notes; :func:`source_notices` returns them for any caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from core.video.clip_info import ClipInfo, av, open_video_container


@dataclass(frozen=True)
class GridFit:
    """How a clip's pictures land on its frame grid: ``pictures - dropped + held`` frames."""

    pictures: int  # pictures in the file
    dropped: int  # pictures on a frame an earlier picture already took (not shown)
    held: int  # frames with no picture of their own (the previous one is shown again)


def source_notices(info: ClipInfo, *, codec: str | None = None) -> list[str]:
    """One line per change the job will make to ``info``'s clip: pictures dropped or doubled to
    make a constant frame rate; with ``codec`` (``"h264"``, ``"prores"``, ``"png"``: what is
    written) the bit depth lost. Empty when the output is what the source holds."""
    notices = []
    fit = grid_fit(info)
    if fit is not None and (fit.dropped or fit.held):
        notices.append(
            f"'{info.path.name}' has a variable frame rate: to make a constant {_fps(info.frame_rate)} fps, "
            f"{fit.dropped} of its {fit.pictures} pictures are dropped and {fit.held} frames repeat the "
            "picture before; to keep every picture, convert it to a constant frame rate first.")
    bits = bit_depth(info.pix_fmt)
    if codec is not None and bits > 8:
        written = "in a 10-bit ProRes file" if codec == "prores" else f"as {'8-bit PNG' if codec == 'png' else '8-bit H.264'}"
        notices.append(
            f"'{info.path.name}' is {bits}-bit ({info.pix_fmt}) but Keyfill works on 8-bit frames, written "
            f"{written}; to keep {bits} bits outside the object, composite the result over the original "
            "with the mattes (--mattes).")
    return notices


def grid_fit(info: ClipInfo) -> GridFit | None:
    """Pictures dropped and frames held on ``info``'s grid; None for image folders, or when the
    stream's timestamps cannot say (missing ones, a damaged file)."""
    if info.is_image_sequence or av is None:
        return None
    try:
        with open_video_container(info.path) as container:
            stream = container.streams.video[0]
            timestamps = [p.pts for p in container.demux(stream) if p.size]
            time_base = Fraction(stream.time_base) if stream.time_base else None
    except (av.error.FFmpegError, IndexError, OSError):
        return None
    if not timestamps or time_base is None or None in timestamps:
        return None
    timestamps.sort()  # decode order -> display order
    origin, previous, dropped, held = timestamps[0], -1, 0, 0
    for pts in timestamps:
        # the index VideoDecoder gives a picture, and its rule: indices only go up
        index = round((pts - origin) * time_base * info.frame_rate)
        if index <= previous:
            dropped += 1
            continue
        held += index - previous - 1
        previous = index
    return GridFit(len(timestamps), dropped, held)


def bit_depth(pix_fmt: str) -> int:
    """Bits per sample of a pixel format (``yuv420p10le`` -> 10); 8 when it does not say."""
    if av is not None:
        try:
            return max(component.bits for component in av.VideoFormat(pix_fmt).components)
        except (ValueError, TypeError):
            pass
    found = re.search(r"(?:p|gray)(\d{1,2})(?:le|be)?$", pix_fmt or "")  # yuv420p10le, gray16
    return int(found.group(1)) if found else 8


def _fps(rate: Fraction) -> str:
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")
