"""Putting a fill into the full-resolution frame: inside the hole only, with a feathered edge.

The hole is the mask grown by ``dilate`` pixels (:func:`core.fill.hole_from_mask`). The fill's
weight is 1 on the mask and deep inside the hole and falls to 0 over the outer ``feather``
pixels of the hole, so the fill (upsampled from the working resolution) meets the untouched
pixels without a seam. Outside the hole the result is the source frame, bit for bit.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.resize import resized


def feather_alpha(hole: np.ndarray, mask: np.ndarray | None, feather: float) -> np.ndarray:
    """Weight of the fill, ``(H, W)`` float32 0..1: 0 outside ``hole`` (``(H, W)`` bool), rising
    to 1 at ``feather`` pixels inside its edge, and 1 on ``mask`` (``(H, W)``, non-zero = object)."""
    if feather <= 0 or not hole.any():
        return hole.astype(np.float32)
    inside = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
    alpha = np.clip(inside / (feather + 1.0), 0.0, 1.0).astype(np.float32)
    if mask is not None:
        alpha[mask > 0] = 1.0
    alpha[~hole] = 0.0
    return alpha


def feathered_composite(source: np.ndarray, filled: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``filled`` blended over ``source`` by ``alpha``; ``(H, W, 3)`` uint8 RGB.

    Where ``alpha`` is 0 the result is ``source`` exactly, where it is 1 ``filled`` exactly.
    """
    if source.shape != filled.shape:
        raise ValueError(f"source {source.shape} and fill {filled.shape} differ in shape")
    result = source.copy()
    partial = (alpha > 0) & (alpha < 1)
    full = alpha >= 1
    result[full] = filled[full]
    if partial.any():
        a = alpha[partial][:, None]
        mixed = source[partial].astype(np.float32) * (1 - a) + filled[partial].astype(np.float32) * a
        result[partial] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return result


def upsample(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` (``(h, w, 3)`` uint8 at the working resolution) resized to ``size = (W, H)``."""
    return resized(image, size, cv2.INTER_CUBIC)


def upsample_float(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A float32 ``(h, w, C)`` map (e.g. a correction in 8-bit levels) resized to ``size = (W, H)``."""
    return resized(image, size, cv2.INTER_LINEAR)
