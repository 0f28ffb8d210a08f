"""What the flow fill makes of each hole pixel's candidates (:mod:`core.fill.flow_fill`): their
median colour, and how far it can be trusted (the network's "+prealign" confidence)."""

from __future__ import annotations

import numpy as np

SPREAD_LEVELS = 24.0  # 8-bit levels of candidate disagreement at which confidence falls to 1/e
DISTANCE_FRAMES = 12.0  # frames to the nearest source at which confidence halves


def median_colours(candidates: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per-channel median of each pixel's first ``counts`` candidates: ``(n, 3)`` uint8 (0 where none)."""
    colours = np.zeros((len(counts), 3), np.uint8)
    for count in range(1, candidates.shape[1] + 1):
        rows = counts == count
        if rows.any():
            colours[rows] = np.clip(np.median(candidates[rows, :count], axis=1) + 0.5, 0, 255).astype(np.uint8)
    return colours


def candidate_confidence(candidates: np.ndarray, counts: np.ndarray, colours: np.ndarray,
                         nearest: np.ndarray, wanted: int) -> np.ndarray:
    """Per hole pixel, 0..1: how many of the ``wanted`` candidates were found, how much they agree
    with their median ``colours`` (mean absolute deviation in 8-bit levels) and how near in time
    the nearest source is. 0 where nothing was carried. ``(n,)`` float32."""
    found = np.minimum(counts, wanted)
    slots = np.arange(candidates.shape[1])[None, :] < found[:, None]
    deviation = np.abs(candidates - colours[:, None, :].astype(np.float32)).mean(axis=2)
    spread = (deviation * slots).sum(axis=1) / np.maximum(found, 1)
    distance = np.where(np.isfinite(nearest), nearest, 0.0)
    confidence = (0.5 + 0.5 * found / wanted) * np.exp(-spread / SPREAD_LEVELS) \
        * DISTANCE_FRAMES / (DISTANCE_FRAMES + np.maximum(distance - 1, 0))
    return np.where(counts > 0, confidence, 0.0).astype(np.float32)
