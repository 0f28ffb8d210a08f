"""Scores for evaluating Keyfill's results against ground truth (no UI, no I/O)."""

from core.metrics.segmentation import (
    SequenceScore,
    boundary_f_measure,
    boundary_tolerance_px,
    j_and_f,
    mask_boundary,
    region_similarity,
)

__all__ = [
    "SequenceScore",
    "boundary_f_measure",
    "boundary_tolerance_px",
    "j_and_f",
    "mask_boundary",
    "region_similarity",
]
