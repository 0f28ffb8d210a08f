"""What "the hole" of a frame is, and the composite that keeps everything else bit for bit.

The hole of a frame is its mask grown by ``dilate`` pixels: every pixel within a disc of diameter
``2 * dilate + 1`` around a non-zero mask pixel. Rotoscoped masks sit on the object's edge, where
pixels are mixed with the object (anti-aliasing, motion blur), so the fill replaces a thin band
around them too. Outside the hole, filled frames are the source frame, bit for bit.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.errors import MaskError


def hole_from_mask(mask: np.ndarray, dilate: int) -> np.ndarray:
    """``(H, W)`` bool hole: non-zero pixels of ``mask`` (``(H, W)`` uint8) grown by ``dilate`` pixels."""
    if mask.ndim != 2:
        raise MaskError(f"Mask has shape {mask.shape}, expected one channel (H, W); save masks as grey PNGs.")
    hole = (mask > 0).astype(np.uint8)
    if dilate > 0:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1))
        hole = cv2.dilate(hole, disc)
    return hole.astype(bool)


def composite(original: np.ndarray, filled: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """``filled`` inside ``hole``, ``original`` elsewhere (exactly): ``(H, W, 3)`` uint8 RGB."""
    return np.where(hole[..., None], filled, original)


def check_mask_size(mask: np.ndarray, frame_size: tuple[int, int], index: int) -> None:
    """Raise :class:`MaskError` unless ``mask`` is ``frame_size = (width, height)`` pixels."""
    if mask.shape[:2] != (frame_size[1], frame_size[0]):
        raise MaskError(
            f"Mask of frame {index} is {mask.shape[1]}x{mask.shape[0]} but the clip is "
            f"{frame_size[0]}x{frame_size[1]}; resize the masks to the clip's size."
        )
