"""Mask files: read (any PNG/JPEG/TIFF, grey, colour or with alpha), check their size, write them.

A mask is ``(H, W)`` uint8 with ``0`` = keep and ``255`` = object/hole. Files from other tools
are rarely that clean, so reading follows what the user drew (:func:`read_mask`): the alpha of a
cut-out, 0/1 label images, 16-bit and float masks on their own scale, anti-aliased edges and JPEG
noise thresholded at half the scale (128 of 255). A mask folder names frames by the number in
each file name: ``00012.png`` and ``shot3_mask_12.png`` both belong to frame 12.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from core.atomic_write import write_bytes_atomic
from core.errors import MaskError, MaskSizeError
from core.image_limits import ImageTooLarge, header_size

if TYPE_CHECKING:
    from core.video import ClipInfo

MASK_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
THRESHOLD = 128  # values >= this (on a 0..255 scale) are object
LOSSY_SUFFIXES = (".jpg", ".jpeg")  # noise makes 0/1 labels and faint values meaningless there


def read_mask(path, size: tuple[int, int] | None = None, *, resize: bool = False) -> np.ndarray:
    """Read a mask file as ``(H, W)`` uint8 0/255.

    - An image with a shaped alpha (a cut-out) is read from its alpha; a uniform alpha is ignored
      (fully transparent: an empty mask).
    - Colour masks count a pixel as object when any channel is at least half the scale (so palette
      colours such as DAVIS's dark red work).
    - The scale is the file's: 0/1 label images (8- or 16-bit, lossless) are read as 0/255,
      16-bit masks threshold at 32768 (or at 128 when no value exceeds 255), float masks at 0.5
      when their values are 0..1 (at 128 when 0..255).
    - Files that would read as empty although they hold values (only faint ones, or labels other
      than 0/1) and float masks beyond 0..255 are refused with :class:`MaskError` naming the format.

    ``size`` is the expected ``(width, height)``: a mask of another size is resized (nearest
    neighbour) when ``resize`` is true, else refused with :class:`MaskError`. The header's size is
    checked before decoding (:mod:`core.image_limits`).
    """
    path = Path(path)
    image = _decode(path)
    mask = mask_from_bool(_object_pixels(image, path))
    if size is not None:
        width, height = size
        if mask.shape != (height, width):
            if not resize:
                raise MaskSizeError(f"Mask '{path.name}' is {mask.shape[1]}x{mask.shape[0]} but the clip is "
                                    f"{width}x{height}", (width, height))
            mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST)
    return mask


def read_mask_folder(
    folder, info_or_size: ClipInfo | tuple[int, int], frame_count: int | None = None, *,
    resize: bool = False,
) -> dict[int, np.ndarray]:
    """Read every mask image of ``folder``: ``{frame index: (H, W) uint8 0/255}``, sorted.

    The index is the last number in each file name. ``info_or_size`` is the clip (its size and
    frame count) or a ``(width, height)``; ``frame_count`` overrides the clip's. Raises
    :class:`MaskError` for an empty folder, a name without a number, two files for one frame,
    a frame outside ``0..frame_count-1`` or a size mismatch (see :func:`read_mask`).
    """
    if hasattr(info_or_size, "width"):
        size = (info_or_size.width, info_or_size.height)
    else:
        size = tuple(info_or_size)
    files = mask_files(folder, info_or_size, frame_count)
    return {index: read_mask(path, size, resize=resize) for index, path in files.items()}


def mask_files(folder, info_or_size: ClipInfo | tuple[int, int], frame_count: int | None = None) -> dict[int, Path]:
    """The mask images of ``folder`` by frame, sorted, checked as :func:`read_mask_folder` checks
    them but not read (a caller that packs each mask as it reads it never holds them all: a
    thousand 4K masks are 8 GB)."""
    folder = Path(folder)
    if hasattr(info_or_size, "width"):
        frame_count = info_or_size.frame_count if frame_count is None else frame_count
    if not folder.is_dir():
        raise MaskError(f"Mask folder '{folder}' does not exist; check the path.")
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in MASK_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise MaskError(
            f"Folder '{folder}' holds no mask images; choose a folder of PNG masks named by frame "
            "number (00012.png).")
    by_index: dict[int, Path] = {}
    for path, index in frame_numbers(files).items():
        if index in by_index:
            first, second = sorted((by_index[index].name, path.name))
            raise MaskError(
                f"Masks '{first}' and '{second}' are both for frame {index} (a mask's frame is the "
                "number in its name that changes from file to file, else the last one); rename "
                "them by frame number (00012.png) or remove one.")
        if frame_count is not None and not 0 <= index < frame_count:
            raise MaskError(
                f"Mask '{path.name}' is for frame {index} but the clip has frames "
                f"0..{frame_count - 1}; remove it or rename it to a frame of the clip.")
        by_index[index] = path
    return {index: by_index[index] for index in sorted(by_index)}


def write_mask(path, mask: np.ndarray) -> None:
    """Write ``mask`` (``(H, W)`` uint8 0/255, or bool) as a PNG, atomically."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"masks are written as PNG (lossless), got '{path.name}'")
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"a mask is (H, W) with H, W > 0, got shape {mask.shape}")
    if mask.dtype == bool:
        mask = mask_from_bool(mask)
    elif mask.dtype != np.uint8:
        raise ValueError(f"a mask is uint8 or bool, got {mask.dtype}")
    ok, encoded = cv2.imencode(".png", mask)
    if not ok:
        raise MaskError(f"Mask '{path.name}' could not be encoded as PNG; check the mask size.")
    try:
        write_bytes_atomic(path, encoded.tobytes())
    except OSError as exc:
        raise MaskError(
            f"Mask '{path}' cannot be written ({exc.strerror}); choose a writable folder.") from exc


def mask_to_bool(mask: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool, True where the mask marks the object."""
    return mask >= THRESHOLD


def mask_from_bool(selected: np.ndarray) -> np.ndarray:
    """``(H, W)`` uint8 0/255 from a bool array."""
    return selected.astype(np.uint8) * 255


def frame_number(path: Path) -> int:
    """The frame a mask file belongs to: the last number in its name (``shot3_0012.png`` -> 12)."""
    return _numbers_in(path)[-1]


def frame_numbers(paths: list[Path]) -> dict[Path, int]:
    """The frame of each mask file of one folder.

    The last number in a name, unless every name holds as many numbers and exactly one of them
    changes from file to file: then that one (``shot_0012_v2.png``, ``shot_0013_v2.png`` -> 12
    and 13, not 2 and 2).
    """
    numbers = {path: _numbers_in(path) for path in paths}
    position = -1
    counts = {len(found) for found in numbers.values()}
    if len(numbers) > 1 and len(counts) == 1:
        changing = [i for i in range(counts.pop()) if len({found[i] for found in numbers.values()}) > 1]
        if len(changing) == 1:
            position = changing[0]
    return {path: found[position] for path, found in numbers.items()}


def _numbers_in(path: Path) -> list[int]:
    numbers = re.findall(r"\d+", path.stem)
    if not numbers:
        raise MaskError(
            f"Mask '{path.name}' has no frame number in its name; name masks by frame "
            "(00012.png).")
    return [int(n) for n in numbers]


def _decode(path: Path) -> np.ndarray:
    try:
        header_size(path)
    except ImageTooLarge as exc:
        raise MaskError(f"Mask '{path.name}' is {exc}; save the mask at the clip's size.") from None
    try:
        data = np.fromfile(path, dtype=np.uint8)  # unlike cv2.imread, copes with non-ASCII paths
    except OSError as exc:
        raise MaskError(f"Mask '{path}' cannot be read ({exc.strerror}); check the path.") from exc
    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise MaskError(f"Mask '{path.name}' is not an image OpenCV can read; save it as PNG.")
    return image


def _object_pixels(image: np.ndarray, path: Path) -> np.ndarray:
    """``(H, W)`` bool: where a decoded image marks the object (the rules of :func:`read_mask`)."""
    grey = _drawn_channel(image)
    if grey.dtype.kind == "f":
        grey = np.nan_to_num(grey, nan=0.0, posinf=0.0, neginf=0.0)
    top = max(grey.max().item(), 0)
    lossless = path.suffix.lower() not in LOSSY_SUFFIXES
    scale = _scale(grey.dtype, top, lossless, path)
    threshold = scale / 2 if grey.dtype.kind == "f" else (scale + 1) // 2
    selected = grey >= threshold
    if lossless and top > 0 and not selected.any():
        raise MaskError(
            f"Mask '{path.name}' would read as empty: it is {_describe(grey.dtype)} whose values go up "
            f"to {top:g} but an object needs {threshold:g} or more; save the object as 255 on 0, "
            "or as 1 on 0 in a PNG.")
    return selected


def _drawn_channel(image: np.ndarray) -> np.ndarray:
    """The one channel that holds the mask: a cut-out's alpha, else the brightest colour channel."""
    if image.ndim == 2:
        return image
    if image.shape[2] in (2, 4):
        alpha = image[..., -1]
        if alpha.min() != alpha.max() or not alpha.any():
            return alpha  # what is opaque is the object, whatever its colour; transparent: nothing
        image = image[..., :-1]  # a uniform, opaque alpha says nothing
    return image.max(axis=2)


def _scale(dtype: np.dtype, top: float, lossless: bool, path: Path) -> int:
    """The value a mask file means by "fully object": 1 (labels, 0..1 floats), 255 or 65535."""
    if top <= 1 and (lossless or dtype.kind == "f"):
        return 1
    if top <= 255:
        return 255
    if dtype.kind in "iu" and top <= 65535:
        return 65535
    raise MaskError(
        f"Mask '{path.name}' is {_describe(dtype)} with values up to {top:g}, beyond a mask's 0..1, "
        "0..255 or 0..65535; save it as an 8-bit PNG, the object 255 on 0.")


def _describe(dtype: np.dtype) -> str:
    """``an 8-bit image``, ``a 32-bit float image``."""
    bits = dtype.itemsize * 8
    return f"{'an' if bits == 8 else 'a'} {bits}-bit {'float ' if dtype.kind == 'f' else ''}image"
