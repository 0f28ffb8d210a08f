"""Mask files: read (any PNG/JPEG, grey or colour), check their size, write them atomically.

A mask is ``(H, W)`` uint8 with ``0`` = keep and ``255`` = object/hole. Files from other tools
are rarely that clean (JPEG noise, anti-aliased edges, palette colours), so reading thresholds
at 128. A mask folder names frames by the number in each file name: ``00012.png`` and
``shot3_mask_12.png`` both belong to frame 12.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from core.atomic_write import write_bytes_atomic
from core.errors import MaskError

if TYPE_CHECKING:
    from core.video import ClipInfo

MASK_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
THRESHOLD = 128  # values >= this (on a 0..255 scale) are object


def read_mask(path, size: tuple[int, int] | None = None, *, resize: bool = False) -> np.ndarray:
    """Read a mask file as ``(H, W)`` uint8 0/255.

    Colour masks count a pixel as object when any channel is >= 128 (so palette colours such as
    DAVIS's dark red work); an RGBA mask whose colour is uniform is read from its alpha.
    ``size`` is the expected ``(width, height)``: a mask of another size is resized (nearest
    neighbour) when ``resize`` is true, else refused with :class:`MaskError`.
    """
    path = Path(path)
    image = _decode(path)
    mask = _to_binary(image)
    if size is not None:
        width, height = size
        if mask.shape != (height, width):
            if not resize:
                raise MaskError(
                    f"Mask '{path.name}' is {mask.shape[1]}x{mask.shape[0]} but the clip is "
                    f"{width}x{height}; resize the mask to {width}x{height} or allow resizing.")
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
    folder = Path(folder)
    if hasattr(info_or_size, "width"):
        size = (info_or_size.width, info_or_size.height)
        frame_count = info_or_size.frame_count if frame_count is None else frame_count
    else:
        size = tuple(info_or_size)
    if not folder.is_dir():
        raise MaskError(f"Mask folder '{folder}' does not exist; check the path.")
    files = [p for p in folder.iterdir()
             if p.is_file() and p.suffix.lower() in MASK_SUFFIXES and not p.name.startswith(".")]
    if not files:
        raise MaskError(
            f"Folder '{folder}' holds no mask images; choose a folder of PNG masks named by frame "
            "number (00012.png).")
    by_index: dict[int, Path] = {}
    for path in files:
        index = frame_number(path)
        if index in by_index:
            raise MaskError(
                f"Masks '{by_index[index].name}' and '{path.name}' are both for frame {index}; "
                "remove one of them.")
        if frame_count is not None and not 0 <= index < frame_count:
            raise MaskError(
                f"Mask '{path.name}' is for frame {index} but the clip has frames "
                f"0..{frame_count - 1}; remove it or rename it to a frame of the clip.")
        by_index[index] = path
    return {index: read_mask(by_index[index], size, resize=resize) for index in sorted(by_index)}


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
    numbers = re.findall(r"\d+", path.stem)
    if not numbers:
        raise MaskError(
            f"Mask '{path.name}' has no frame number in its name; name masks by frame "
            "(00012.png).")
    return int(numbers[-1])


def _decode(path: Path) -> np.ndarray:
    try:
        data = np.fromfile(path, dtype=np.uint8)  # unlike cv2.imread, copes with non-ASCII paths
    except OSError as exc:
        raise MaskError(f"Mask '{path}' cannot be read ({exc.strerror}); check the path.") from exc
    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise MaskError(f"Mask '{path.name}' is not an image OpenCV can read; save it as PNG.")
    return image


def _to_binary(image: np.ndarray) -> np.ndarray:
    """Any decoded image -> ``(H, W)`` uint8 0/255."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)  # float TIFFs: 0..255 assumed
    if image.ndim == 3:
        colour = image[..., :3]
        if image.shape[2] == 4 and colour.min() == colour.max():
            grey = image[..., 3]  # a flat colour with a shaped alpha: the alpha is the mask
        else:
            grey = colour.max(axis=2)
    else:
        grey = image
    return np.where(grey >= THRESHOLD, 255, 0).astype(np.uint8)
