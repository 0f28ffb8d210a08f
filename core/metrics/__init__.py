"""Scores for evaluating Keyfill's results against ground truth (no UI, no I/O)."""

from core.metrics.leaks import LEAK_SHARE, background_leak, leaking_frames
from core.metrics.segmentation import (
    SequenceScore,
    boundary_f_measure,
    boundary_tolerance_px,
    j_and_f,
    mask_boundary,
    region_similarity,
)

__all__ = [
    "LEAK_SHARE",
    "SequenceScore",
    "background_leak",
    "boundary_f_measure",
    "boundary_tolerance_px",
    "j_and_f",
    "leaking_frames",
    "mask_boundary",
    "region_similarity",
]
