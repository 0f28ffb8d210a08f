"""Optical flow between training frames, computed once before training and kept in memory.

A real keyframe is another frame of the target's clip at one of the renderer's offsets
(``KEYFRAME_OFFSETS``). The network takes the target -> keyframe flow and its forward-backward
consistency, computed exactly as at render time: OpenCV DIS (``core.flow``) at the resolution
the frames are trained at (``working_width=None``). Both directions of a pair come from the same
two DIS runs, so each unordered pair is computed once. Crops are windows of these full frames:
a flow stays valid under the same window in both frames.

Memory: ``H * W * 5`` bytes per direction (float16 flow, uint8 consistency); about 0.5 MB per
direction at 432x240.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import cv2
import numpy as np

from core.flow import compute_flow, forward_backward_consistency
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.train.footage import FootageClip

KEYFRAME_OFFSETS = (5, 10, 15, 20, 40, 60, 80)
"""Frame offsets (both signs) of the renderer's keyframes: the paper's 14-keyframe setting."""


class PairFlows:
    """Flows and consistencies of frame pairs: ``flow(clip, a, b)`` is ``a -> b`` on ``a``'s grid."""

    def __init__(self) -> None:
        self._flows: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}
        self._partners: dict[tuple[int, int], list[int]] = {}

    def __len__(self) -> int:
        return len(self._flows)

    def partners(self, clip: int, frame: int) -> list[int]:
        """Frames whose flow from ``frame`` is known (sorted)."""
        return self._partners.get((clip, frame), [])

    def flow(self, clip: int, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """``(flow (H, W, 2) float32 pixels, consistency (H, W) float32 0..1)`` from a to b."""
        flow, consistency = self._flows[(clip, a, b)]
        return flow.astype(np.float32), consistency.astype(np.float32) / 255.0

    def add(self, clip: int, a: int, b: int, flow: np.ndarray, consistency: np.ndarray) -> None:
        self._flows[(clip, a, b)] = (flow.astype(np.float16),
                                     np.round(consistency * 255).astype(np.uint8))
        partners = self._partners.setdefault((clip, a), [])
        partners.append(b)
        partners.sort()


def frame_pairs(clips: Sequence[FootageClip], offsets: Sequence[int] = KEYFRAME_OFFSETS, *,
                max_pairs: int | None = None, seed: int = 0) -> list[tuple[int, int, int]]:
    """Unordered pairs ``(clip, a, b)``, ``a < b``, ``b - a`` in ``offsets``; at most
    ``max_pairs`` of them (a seeded random subset)."""
    pairs = [(c, a, a + d) for c, clip in enumerate(clips) for d in sorted(set(offsets))
             for a in range(len(clip.frames) - d)]
    if max_pairs is not None and len(pairs) > max_pairs:
        keep = np.random.default_rng(seed).choice(len(pairs), max_pairs, replace=False)
        pairs = [pairs[i] for i in sorted(keep)]
    return pairs


def compute_pair_flows(clips: Sequence[FootageClip], pairs: Sequence[tuple[int, int, int]], *,
                       threads: int | None = None, progress: ProgressFn = no_progress,
                       cancel: CancelToken = NEVER_CANCELLED) -> PairFlows:
    """Both directions of every pair, on ``threads`` threads (default: every core; OpenCV
    releases the GIL). About 0.1 s of one core per pair at 432x240."""
    threads = threads or os.cpu_count() or 1
    result = PairFlows()
    total = len(pairs)
    progress(0, total, "computing flow between training frames")

    def one(pair: tuple[int, int, int]):
        c, a, b = pair
        frame_a, frame_b = clips[c].frames[a], clips[c].frames[b]
        ab = compute_flow(frame_a, frame_b, working_width=None)
        ba = compute_flow(frame_b, frame_a, working_width=None)
        return pair, ab, ba, forward_backward_consistency(ab, ba), forward_backward_consistency(ba, ab)

    previous_threads = cv2.getNumThreads()
    cv2.setNumThreads(1 if threads > 1 else previous_threads)  # parallel over pairs, not inside DIS
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            chunk = max(threads * 4, 1)
            for start in range(0, total, chunk):  # in chunks, so a cancel is noticed quickly
                cancel.raise_if_cancelled()
                for (c, a, b), ab, ba, cab, cba in pool.map(one, pairs[start:start + chunk]):
                    result.add(c, a, b, ab, cab)
                    result.add(c, b, a, ba, cba)
                progress(min(start + chunk, total), total, "computing flow between training frames")
    finally:
        cv2.setNumThreads(previous_threads)
    return result
