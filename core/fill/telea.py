"""Single-frame inpainting with OpenCV's Telea method (fast marching): the fill of last resort.

Telea fills a hole from its border inward with a weighted average of known neighbours. It knows
nothing of other frames, so it smears and flickers on large holes; the classical flow fill uses it
only where no other frame shows the background.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.fill.holes import check_mask_size, composite, hole_from_mask

_CROP_MARGIN_PX = 4  # beyond Telea's radius: the fast marching's band and OpenCV's own border


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
    """Telea inside ``hole`` (``(H, W)`` bool); ``frame`` exactly elsewhere. RGB in, RGB out.

    Telea reads only known pixels within ``radius`` of the hole, so it runs on the hole's bounding
    box grown by a margin wider than that: the same pixels as on the whole frame, without
    whole-frame buffers for a small hole in a 1080p or 4K frame (tests/fill/test_fill.py compares).
    """
    if not hole.any():
        return frame.copy()
    if hole.all():  # nothing to propagate from: Telea would return the hole's own pixels
        return np.zeros_like(frame)
    ys, xs = np.nonzero(hole)
    margin = radius + _CROP_MARGIN_PX
    top, bottom = max(0, ys.min() - margin), min(hole.shape[0], ys.max() + margin + 1)
    left, right = max(0, xs.min() - margin), min(hole.shape[1], xs.max() + margin + 1)
    crop = (slice(top, bottom), slice(left, right))
    filled = cv2.inpaint(np.ascontiguousarray(frame[crop]), hole[crop].astype(np.uint8) * 255, radius,
                         cv2.INPAINT_TELEA)
    result = frame.copy()
    result[crop] = composite(frame[crop], filled, hole[crop])
    return result
