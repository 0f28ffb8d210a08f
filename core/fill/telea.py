"""Single-frame inpainting with OpenCV's Telea method (fast marching): the fill of last resort.

Telea fills a hole from its border inward with a weighted average of known neighbours. It knows
nothing of other frames, so it smears and flickers on large holes; the classical flow fill uses it
only where no other frame shows the background.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.fill.holes import check_mask_size, composite, hole_from_mask


def telea_fill(frame: np.ndarray, mask: np.ndarray, *, radius: int = 5, dilate: int = 2) -> np.ndarray:
    """Frame with its masked region inpainted by Telea.

    frame: ``(H, W, 3)`` uint8 RGB. mask: ``(H, W)`` uint8, non-zero = hole.
    radius: neighbourhood (pixels) each filled pixel averages over.
    dilate: the mask is grown by this many pixels first (see :mod:`core.fill.holes`).
    Returns ``(H, W, 3)`` uint8 RGB, equal to ``frame`` outside the grown mask.
    """
    check_mask_size(mask, (frame.shape[1], frame.shape[0]), 0)
    hole = hole_from_mask(mask, dilate)
    return inpaint_hole(frame, hole, radius=radius)


def inpaint_hole(frame: np.ndarray, hole: np.ndarray, *, radius: int = 5) -> np.ndarray:
    """Telea inside ``hole`` (``(H, W)`` bool); ``frame`` exactly elsewhere. RGB in, RGB out."""
    if not hole.any():
        return frame.copy()
    if hole.all():  # nothing to propagate from: Telea would return the hole's own pixels
        return np.zeros_like(frame)
    filled = cv2.inpaint(np.ascontiguousarray(frame), hole.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)
    return composite(frame, filled, hole)
