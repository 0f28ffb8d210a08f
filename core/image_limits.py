"""How big an image Keyfill decodes, checked from the file's header before any pixel is decoded.

A PNG of a few hundred kilobytes can declare 20000x20000 pixels: decoding it takes 400 MB per
channel and seconds of work, and a project or a mask folder can hold many. Every image read from a
user's file (mask files, image-sequence frames, the masks and content frames inside a project)
has its header size checked against :data:`MAX_PIXELS` first.
"""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 2**30 // 12
"""About 89 million pixels a frame (a 12K frame is 80 million): Pillow's own decompression-bomb
level, where an RGB frame is 256 MiB."""


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


class ImageTooLarge(ValueError):
    """An image whose header declares more than :data:`MAX_PIXELS`; ``size`` is ``(w, h)`` or None."""

    def __init__(self, size: tuple[int, int] | None) -> None:
        self.size = size
        super().__init__(describe_too_large(size))


def header_size(source: Path | bytes) -> tuple[int, int] | None:
    """``(width, height)`` an image file (a path, or its bytes) declares, without decoding it.

    Raises :class:`ImageTooLarge` above :data:`MAX_PIXELS`. Returns None when Pillow does not
    recognise the format (the decoder then has the last word) or the header is damaged.
    """
    try:
        return read_header(source)[:2]
    except ImageTooLarge:
        raise
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, EOFError):
        return None


def read_header(source: Path | bytes) -> tuple[int, int, str, str | None]:
    """``(width, height, Pillow mode, format)`` from an image's header; pixels are not decoded.

    Raises :class:`ImageTooLarge` above :data:`MAX_PIXELS`, and Pillow's errors for a file it
    cannot read (``OSError``, ``UnidentifiedImageError``).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below instead
            with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
                header = (image.width, image.height, image.mode, image.format)
    except Image.DecompressionBombError:  # over twice Pillow's limit: it does not say the size
        raise ImageTooLarge(None) from None
    if header[0] * header[1] > MAX_PIXELS:
        raise ImageTooLarge(header[:2])
    return header


def describe_too_large(size: tuple[int, int] | None) -> str:
    """``20000x20000 (400 million pixels), more than Keyfill decodes (89 million)``."""
    limit = f"more than Keyfill decodes ({MAX_PIXELS // 10**6} million)"
    if size is None:
        return f"over {2 * MAX_PIXELS // 10**6} million pixels, {limit}"
    return f"{size[0]}x{size[1]} ({size[0] * size[1] // 10**6} million pixels), {limit}"


def png_header(head: bytes) -> tuple[int, int, int]:
    """``(width, height, raw bytes)`` from the first 33 bytes of a PNG file.

    Raw bytes are what its rows take before compression (the bound on how far it can expand).
    Raises ``ValueError`` for anything but a PNG header, :class:`ImageTooLarge` above
    :data:`MAX_PIXELS`.
    """
    if len(head) < 33 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    if colour not in _PNG_CHANNELS or depth not in (1, 2, 4, 8, 16) or not width or not height:
        raise ValueError("damaged PNG header")
    if width * height > MAX_PIXELS:
        raise ImageTooLarge((width, height))
    return width, height, height * (1 + (width * _PNG_CHANNELS[colour] * depth + 7) // 8)
