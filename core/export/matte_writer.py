"""Write mattes for compositing: a greyscale PNG sequence (default) or a matte video.

A matte is ``(H, W)`` ``uint8`` ``0..255`` (255 = the object / hole), the clip's full size. The
PNG sequence is lossless and what compositors (Nuke, Fusion, After Effects) import as a matte;
the video is a convenient preview or track matte for editors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np

from core.atomic_write import named_files_into
from core.errors import ExportError
from core.export.clip_writer import ClipInfoLike, check_image, export_clip
from core.export.settings import ExportSettings
from core.output_paths import check_outputs, frame_names, output_for
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

MATTE_VIDEO_QUALITY = 12
"""H.264 CRF of matte videos: finer than the clip's default 18, edges of mattes band easily."""


def export_mattes(mattes: Iterable[np.ndarray], info: ClipInfoLike, dest: str | Path, *,
                  as_video: bool = False, overwrite: bool = False, progress: ProgressFn = no_progress,
                  cancel: CancelToken = NEVER_CANCELLED) -> Path:
    """Write ``mattes`` ((H, W) uint8, the clip's size) to ``dest``; return ``dest``.

    Default: folder ``dest`` of 8-bit greyscale PNGs ``00000.png``, ``00001.png``, … (frame
    index, 5 digits). They are written into a hidden temporary folder and moved into ``dest``
    when all are written; an existing folder keeps every other file it holds, and files of
    those names are overwritten only with ``overwrite`` (:func:`core.atomic_write.named_files_into`).
    ``as_video``: a video of the matte as grey RGB at the clip's frame rate, no audio: ProRes
    422 HQ if ``dest`` ends in ``.mov``, else H.264 (an existing file replaced only with
    ``overwrite``). Cancelling or a failure leaves nothing new at ``dest``. :class:`ExportError`
    for a matte of the wrong shape, a destination that is the source clip (or its folder), one
    that exists without ``overwrite``, or one that cannot be written.
    """
    dest = Path(dest)
    checked = _checked_mattes(mattes, info)
    if as_video:
        codec = "prores" if dest.suffix.lower() == ".mov" else "h264"
        settings = ExportSettings(codec=codec, quality=MATTE_VIDEO_QUALITY, keep_audio=False)
        grey_rgb = (np.repeat(matte[:, :, None], 3, axis=2) for matte in checked)
        return export_clip(grey_rgb, info, dest, settings=settings, overwrite=overwrite,
                           progress=progress, cancel=cancel)
    names = frame_names(range(info.frame_count))
    check_outputs([output_for(dest, "Output", names=names)], {"the source clip": info.path},
                  overwrite=overwrite)
    try:
        with named_files_into(dest, names, overwrite=overwrite) as write:
            _write_png_sequence(checked, write.folder, info.frame_count, progress, cancel)
    except OSError as error:
        raise ExportError(
            f"Cannot write the mattes to {dest} ({error.strerror or error}); choose a folder "
            f"you can write to, with enough free space."
        ) from error
    return dest


def _write_png_sequence(mattes: Iterable[np.ndarray], folder: Path, total: int,
                        progress: ProgressFn, cancel: CancelToken) -> None:
    written = 0
    for index, matte in enumerate(mattes):
        cancel.raise_if_cancelled()
        path = folder / f"{index:05d}.png"
        if not cv2.imwrite(str(path), matte):  # OpenCV reports failure by return value only
            raise OSError(f"OpenCV could not write {path.name}")
        written = index + 1
        progress(written, max(total, written), f"Wrote matte {written} of {total}")
    cancel.raise_if_cancelled()
    if written == 0:
        raise ExportError("There are no mattes to export; draw or propagate a mask first.")


def _checked_mattes(mattes: Iterable[np.ndarray], info: ClipInfoLike) -> Iterator[np.ndarray]:
    for index, matte in enumerate(mattes):
        check_image(matte, index, info, what="matte")
        yield np.ascontiguousarray(matte)
