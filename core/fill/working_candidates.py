"""The flow fill's candidates for a clip wider than its working grid: sources chosen on the
working grid, pixels sampled at full resolution.

At 1080p a hole has 16 times the pixels it has on the 480-px working grid, and the flow fill
mapped every one of them through the homography of every source frame it visited (up to 80),
testing each position against the source's hole and moving mask: profiled on a 24-frame 1080p
clip, that search was most of the fill's time (docs/benchmarks.md). Yet which frames show the
background behind a pixel is a working-resolution question: the homographies and moving masks
are only known there. So (:class:`WorkingCandidates`):

1. On the working grid, the *covering* hole's pixels (a working pixel touching the
   full-resolution hole is hole, so every full-resolution hole pixel lies in one) visit the
   sources nearest first, as :class:`core.fill.FlowFill` does at full resolution: a source lends
   to a pixel when the mapped position is inside the frame, outside the source's covering hole
   and, for far sources, not moving there. Each pixel notes up to ``candidates`` sources.
2. Each full-resolution hole pixel takes the sources of the working pixel it lies in and samples
   each (bilinear) at its own position mapped by that source's full-resolution homography; a
   position inside the source's full-resolution hole (or off the frame) is dropped.

The fill is as sharp as the source frames, the search costs what it costs at the working width,
and every full-resolution hole pixel is visited only for its few chosen sources.
"""

from __future__ import annotations

from typing import Callable, Iterable

import cv2
import numpy as np

from core.fill.background_motion import BackgroundMotion
from core.flow import apply_homography, sample_at


def covering_hole(hole: np.ndarray, working_size: tuple[int, int]) -> np.ndarray:
    """``(h, w)`` bool on the working grid ``working_size = (w, h)``: every working pixel whose
    area overlaps a pixel of ``hole`` (``(H, W)`` bool), however little."""
    width, height = working_size
    return cv2.resize(hole.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0


class WorkingCandidates:
    """Gathers the flow fill's candidates of one frame by the two steps above.

    frame(i): ``(H, W, 3)`` uint8 RGB; hole(i): the full-resolution hole (:class:`BoxedHole`);
    covering(i): its :func:`covering_hole`; motion: the clip's :class:`BackgroundMotion` (moving
    masks and working-to-full-resolution homographies); frame_size ``(W, H)`` and working_size
    ``(w, h)``; candidates and near_distance as :class:`core.fill.FlowFill`'s.
    """

    def __init__(self, frame: Callable[[int], np.ndarray], hole: Callable[[int], np.ndarray],
                 covering: Callable[[int], np.ndarray], motion: BackgroundMotion, *,
                 frame_size: tuple[int, int], working_size: tuple[int, int], candidates: int,
                 near_distance: int) -> None:
        self._frame = frame
        self._hole = hole
        self._covering = covering
        self._motion = motion
        self.frame_size = frame_size
        self.working_size = working_size
        self.candidates = candidates
        self.near_distance = near_distance

    def gather(self, t: int, hole_points: np.ndarray, sources: Iterable[tuple[int, np.ndarray]]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Candidates of frame ``t``'s full-resolution ``hole_points`` (``(n, 2)`` float32 x, y).

        sources: ``(s, working homography t -> s)`` nearest first.
        Returns ``(candidates (n, K, 3) float32, counts (n,) int64, nearest (n,) float32 frames to
        the nearest source that lent (inf: none), source frames that lent)``.
        """
        chosen, index_map, homographies = self._choose(t, sources)
        n, wanted = len(hole_points), self.candidates
        candidates = np.zeros((n, wanted, 3), np.float32)
        counts = np.zeros(n, np.int64)
        nearest = np.full(n, np.inf, np.float32)
        if not n or not homographies:
            return candidates, counts, nearest, 0
        slots = self._slots_of(hole_points, chosen, index_map)
        width, height = self.frame_size
        lent = 0
        for s in sorted(homographies, key=lambda s: abs(s - t)):
            rows = np.flatnonzero((slots == s).any(axis=1))
            if not len(rows):
                continue
            positions = apply_homography(self._motion.to_full_resolution(homographies[s]), hole_points[rows])
            x, y = positions[:, 0], positions[:, 1]
            usable = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
            usable[usable] = self._hole(s).at(x[usable], y[usable]) == 0
            rows = rows[usable]
            if not len(rows):
                continue
            candidates[rows, counts[rows]] = sample_at(self._frame(s), x[usable], y[usable])
            counts[rows] += 1
            nearest[rows] = np.minimum(nearest[rows], abs(s - t))
            lent += 1
        return candidates, counts, nearest, lent

    def _choose(self, t: int, sources: Iterable[tuple[int, np.ndarray]]
                ) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
        """Step 1: ``(chosen (m, K) int32 source frames, -1 for none; index_map (h, w) int32, the
        row of ``chosen`` of each covering-hole pixel, -1 elsewhere; {source: working homography}
        of the sources chosen anywhere)``."""
        width, height = self.working_size
        ys, xs = np.nonzero(self._covering(t))
        index_map = np.full((height, width), -1, np.int32)
        index_map[ys, xs] = np.arange(len(ys), dtype=np.int32)
        points = np.stack([xs, ys], axis=1).astype(np.float32)
        chosen = np.full((len(points), self.candidates), -1, np.int32)
        counts = np.zeros(len(points), np.int64)
        homographies: dict[int, np.ndarray] = {}
        for s, homography in sources:
            wanting = np.flatnonzero(counts < self.candidates)
            if not len(wanting):
                break
            positions = apply_homography(homography, points[wanting])
            x, y = positions[:, 0], positions[:, 1]
            usable = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
            usable[usable] = sample_at(self._covering(s).view(np.uint8), x[usable], y[usable],
                                       interpolation="nearest", fill_value=1) == 0
            if abs(s - t) > self.near_distance:
                usable[usable] = ~self._motion.moving_at_working(s, x[usable], y[usable])
            if usable.any():
                ids = wanting[usable]
                chosen[ids, counts[ids]] = s
                counts[ids] += 1
                homographies[s] = homography
        return chosen, index_map, homographies

    def _slots_of(self, hole_points: np.ndarray, chosen: np.ndarray, index_map: np.ndarray) -> np.ndarray:
        """``(n, K)`` the sources chosen for the working pixel each full-resolution point lies in."""
        width, height = self.working_size
        full_width, full_height = self.frame_size
        qx = np.clip(((hole_points[:, 0] + 0.5) * (width / full_width)).astype(np.int64), 0, width - 1)
        qy = np.clip(((hole_points[:, 1] + 0.5) * (height / full_height)).astype(np.int64), 0, height - 1)
        rows = index_map[qy, qx]
        return np.where(rows[:, None] >= 0, chosen[np.maximum(rows, 0)], -1)
