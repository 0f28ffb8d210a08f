"""DAVIS-style segmentation scores: region similarity J and boundary accuracy F.

J is the intersection over union of a predicted mask and the ground truth (1 when both are empty).
F is the F-measure of their boundaries, where a boundary pixel counts as matched when the other
boundary passes within ``tolerance`` pixels of it; as in the DAVIS toolkit the tolerance is
``ceil(0.008 * image diagonal)`` pixels (4 px at 432x240, 18 px at 1920x1080).
A sequence is summarised by mean J, mean F and ``J&F = 100 * (mean J + mean F) / 2``, the number
papers report.

Masks are ``(H, W)`` arrays of any dtype; nonzero means object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import cv2
import numpy as np

BOUNDARY_TOLERANCE_OF_DIAGONAL = 0.008


def region_similarity(predicted: np.ndarray, truth: np.ndarray) -> float:
    """J: ``|P ∩ G| / |P ∪ G|`` in 0..1; 1.0 when both masks are empty."""
    pred, gt = _binary(predicted, truth)
    union = np.count_nonzero(pred | gt)
    if union == 0:
        return 1.0
    return np.count_nonzero(pred & gt) / union


def boundary_tolerance_px(height: int, width: int) -> int:
    """Pixels within which two boundaries count as the same, as in the DAVIS toolkit."""
    return max(1, math.ceil(BOUNDARY_TOLERANCE_OF_DIAGONAL * math.hypot(height, width)))


def mask_boundary(mask: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: the object's pixels that touch the background (4-neighbourhood).

    This is the inner half of the morphological gradient (mask minus its erosion), one pixel
    thick; pixels on the image border are not boundary unless background touches them.
    """
    binary = (np.asarray(mask) > 0).astype(np.uint8)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    eroded = cv2.erode(binary, cross, borderType=cv2.BORDER_REPLICATE)
    return (binary - eroded) > 0


def boundary_f_measure(predicted: np.ndarray, truth: np.ndarray, *, tolerance_px: int | None = None) -> float:
    """F: harmonic mean of boundary precision and recall, in 0..1.

    ``tolerance_px`` defaults to :func:`boundary_tolerance_px` of the mask size. Both boundaries
    empty → 1.0; exactly one empty → 0.0 (the toolkit's convention).
    """
    pred, gt = _binary(predicted, truth)
    if tolerance_px is None:
        tolerance_px = boundary_tolerance_px(*gt.shape)
    pred_boundary, gt_boundary = mask_boundary(pred), mask_boundary(gt)
    n_pred, n_gt = np.count_nonzero(pred_boundary), np.count_nonzero(gt_boundary)
    if n_pred == 0 and n_gt == 0:
        return 1.0
    if n_pred == 0 or n_gt == 0:
        return 0.0
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance_px + 1, 2 * tolerance_px + 1))
    gt_near = cv2.dilate(gt_boundary.astype(np.uint8), disk) > 0
    pred_near = cv2.dilate(pred_boundary.astype(np.uint8), disk) > 0
    precision = np.count_nonzero(pred_boundary & gt_near) / n_pred
    recall = np.count_nonzero(gt_boundary & pred_near) / n_gt
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class SequenceScore:
    """Scores of one sequence. ``j_mean``/``f_mean`` are 0..1; ``j_and_f`` is 0..100."""

    j_mean: float
    f_mean: float
    j_and_f: float
    j_per_frame: tuple[float, ...]
    f_per_frame: tuple[float, ...]


def j_and_f(predicted: Iterable[np.ndarray], truth: Iterable[np.ndarray]) -> SequenceScore:
    """Score a sequence of predicted masks against ground truth, frame by frame (same order)."""
    j_values: list[float] = []
    f_values: list[float] = []
    pairs = list(zip(predicted, truth, strict=True))
    if not pairs:
        raise ValueError("j_and_f needs at least one frame")
    for pred, gt in pairs:
        j_values.append(region_similarity(pred, gt))
        f_values.append(boundary_f_measure(pred, gt))
    j_mean = float(np.mean(j_values))
    f_mean = float(np.mean(f_values))
    return SequenceScore(j_mean, f_mean, 100.0 * (j_mean + f_mean) / 2, tuple(j_values), tuple(f_values))


def _binary(predicted: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, gt = np.asarray(predicted) > 0, np.asarray(truth) > 0
    if pred.shape != gt.shape:
        raise ValueError(f"mask shapes differ: predicted {pred.shape}, truth {gt.shape}")
    return pred, gt
