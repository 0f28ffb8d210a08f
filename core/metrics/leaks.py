"""Leaks: how far a predicted mask grew onto background the object never covered.

What an editor sees as a leak is mask on the wall beside the person, not a ragged outline. So a
frame's *leak* is the predicted mask's area outside the true mask grown by the boundary tolerance
(the DAVIS F tolerance, :func:`core.metrics.segmentation.boundary_tolerance_px`: 4 px at 432x240),
over the true mask's area. A frame *leaks* when that share is above :data:`LEAK_SHARE` (20 % of the
object's area). Where the truth is empty, any predicted pixel is measured against an area of one
pixel (so a frame with no object leaks with a mask of more than a fraction of a pixel).

Masks are ``(H, W)`` arrays of any dtype; nonzero means object.
"""

from __future__ import annotations

from typing import Iterable

import cv2
import numpy as np

from core.metrics.segmentation import boundary_tolerance_px

LEAK_SHARE = 0.2
"""A frame leaks when its mask outside the grown truth is more than this share of the true area."""


def background_leak(predicted: np.ndarray, truth: np.ndarray, *, tolerance_px: int | None = None) -> float:
    """Area of ``predicted`` outside ``truth`` grown by ``tolerance_px`` (default: the DAVIS
    boundary tolerance of the mask size), over the area of ``truth`` (at least 1 pixel); 0 = none."""
    pred, gt = np.asarray(predicted) != 0, np.asarray(truth) != 0
    if pred.shape != gt.shape:
        raise ValueError(f"mask shapes differ: {pred.shape} vs {gt.shape}")
    if tolerance_px is None:
        tolerance_px = boundary_tolerance_px(*gt.shape)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance_px + 1, 2 * tolerance_px + 1))
    grown = cv2.dilate(gt.astype(np.uint8), disk) != 0
    outside = np.count_nonzero(pred & ~grown)
    return outside / max(1, np.count_nonzero(gt))


def leaking_frames(predicted: Iterable[np.ndarray], truth: Iterable[np.ndarray], *,
                   share: float = LEAK_SHARE) -> list[bool]:
    """Per frame pair, whether ``predicted`` leaks by more than ``share`` of the true area."""
    return [background_leak(p, t) > share for p, t in zip(predicted, truth, strict=True)]
