"""Folders of numbered images (``00000.jpg``, ``frame_12.png``...) read as clips.

Files are ordered naturally (``frame_2`` before ``frame_10``), so frame ``i`` is the ``i``-th
image whatever the padding. Sizes are checked from the file headers (Pillow reads only the
header), so probing a folder of thousands of 4K frames does not decode them, and a header that
declares a huge image (``core.image_limits``) is refused before anything is decoded.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
from PIL import UnidentifiedImageError

from core.errors import VideoError
from core.image_limits import ImageTooLarge, read_header

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")

_PIL_MODE_TO_PIX_FMT = {"RGB": "rgb24", "RGBA": "rgba", "L": "gray", "LA": "ya8",
                        "P": "pal8", "I;16": "gray16", "I": "gray32", "CMYK": "cmyk"}


def natural_sort_key(name: str) -> tuple:
    """Key that orders digit runs by value: ``a2`` < ``a10``; case-insensitive otherwise."""
    parts = re.split(r"(\d+)", name.lower())
    # re.split with a group alternates text, number, text...: positions always compare alike.
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def list_image_files(folder: Path) -> list[Path]:
    """The frame images of ``folder`` in natural order; hidden files (``._x.jpg``) are skipped.

    Raises :class:`VideoError` when the folder holds no image.
    """
    files = [p for p in folder.iterdir()
             if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")]
    if not files:
        raise VideoError(
            f"Folder '{folder}' holds no .jpg/.jpeg/.png frames; choose a folder of numbered "
            "images or a video file.")
    return sorted(files, key=lambda p: natural_sort_key(p.name))


def describe_image(path: Path) -> tuple[int, int, str, str]:
    """``(width, height, pix_fmt, codec)`` of one image, read from its header only."""
    try:
        width, height, mode, image_format = read_header(path)
    except ImageTooLarge as exc:
        raise VideoError(
            f"Frame '{path.name}' is {exc}; replace or remove that file, or scale the sequence "
            "down.") from None
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, EOFError) as exc:
        raise VideoError(
            f"Image '{path}' cannot be read ({exc}); replace or remove that file.") from exc
    return (width, height, _PIL_MODE_TO_PIX_FMT.get(mode, mode.lower()),
            (image_format or path.suffix.lstrip(".")).lower())


def check_same_size(files: list[Path], width: int, height: int) -> None:
    """Raise :class:`VideoError` naming the first file whose size is not ``width`` x ``height``."""
    for path in files:
        w, h, _, _ = describe_image(path)
        if (w, h) != (width, height):
            raise VideoError(
                f"Frame '{path.name}' is {w}x{h} but '{files[0].name}' is {width}x{height}; "
                f"all images of a sequence must have one size: resize or remove '{path.name}'.")


def read_image_rgb(path: Path, width: int, height: int) -> np.ndarray:
    """Decode one frame image: ``(height, width, 3)`` uint8 RGB.

    Grey, 16-bit and RGBA images become 8-bit RGB (alpha dropped). EXIF orientation is ignored,
    as in the header sizes the sequence was checked with.
    """
    try:
        data = np.fromfile(path, dtype=np.uint8)  # unlike cv2.imread, copes with non-ASCII paths
    except OSError as exc:
        raise VideoError(
            f"Frame '{path}' cannot be read ({exc}); check the file is still there.") from exc
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if bgr is None:
        raise VideoError(f"Frame '{path}' is not an image OpenCV can decode; replace or remove it.")
    if bgr.shape[:2] != (height, width):
        raise VideoError(
            f"Frame '{path.name}' is {bgr.shape[1]}x{bgr.shape[0]} but the sequence is "
            f"{width}x{height}; resize or remove '{path.name}'.")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class ImageSequenceSource:
    """Frames of an image folder by index; every frame is its own file, so access is random."""

    def __init__(self, folder: Path, width: int, height: int, frame_count: int) -> None:
        self._files = list_image_files(folder)
        if len(self._files) != frame_count:
            raise VideoError(
                f"Folder '{folder}' changed while it was opened ({len(self._files)} images, "
                f"{frame_count} expected); open it again.")
        self._width, self._height = width, height

    def read(self, index: int, keep=None) -> np.ndarray:
        """Frame ``index`` as ``(H, W, 3)`` uint8 RGB, passed through ``keep(index, frame)``."""
        frame = read_image_rgb(self._files[index], self._width, self._height)
        return keep(index, frame) if keep else frame

    def close(self) -> None:
        pass
