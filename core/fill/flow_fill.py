"""The classical flow fill: Keyfill's baseline, and its fallback when no network checkpoint exists.

To fill frame ``t``, other frames are visited nearest first (t-1, t+1, t-2, t+2, ... up to
``max_distance``). For each source frame ``s`` a flow ``t → s`` maps every hole pixel ``p`` of ``t``
to ``p + flow(p)`` in ``s``; the pixel is copied from there (bilinear) when

1. that position shows background in ``s`` (outside ``s``'s hole, read with nearest sampling;
   positions outside the frame count as hole), and
2. the forward-backward consistency of the mapping is at least ``consistency_threshold``,

and the pixel is still unfilled (nearer frames win). Flow inside holes is interpolated from the
flow around them (:mod:`core.fill.flow_completion`). When all sources are visited, ``fill_clip``
tries the previous *filled* frame (so what could not be recovered stays steady instead of
flickering), and Telea fills whatever is left.

Which flow reaches frame ``s`` — DIS between ``t`` and ``s`` directly for ``|t - s| <=
direct_distance`` (accurate, nothing accumulates), and beyond that the direct flow chained with
flows between neighbouring frames, ``flow_{t,s} = compose(flow_{t,s∓1}, flow_{s∓1,s})``: DIS
finds large displacements poorly, while neighbouring frames are always a small step, and every
chained flow is reused by the next target frame. A chained mapping is only as trustworthy as its
weakest link, so its consistency is the minimum of the links' consistencies along the path.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterator

import cv2
import numpy as np

from core.fill.flow_completion import CompletedFlows
from core.fill.holes import check_mask_size, composite, hole_from_mask
from core.fill.telea import inpaint_hole
from core.flow import FlowField, follow_working_flow, sample_at
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

_HOLES_KEPT = 32


@dataclass(frozen=True)
class FillStats:
    """Where the pixels of one filled frame's hole came from (counts of pixels)."""

    hole_pixels: int
    from_frames: int  # copied from other frames of the clip along the flow
    from_previous: int  # copied from the previous filled frame (fill_clip only)
    from_telea: int  # inpainted by Telea
    source_frames: int  # how many frames contributed pixels

    @property
    def flow_coverage(self) -> float:
        """Fraction 0..1 of the hole filled along the flow (other frames or the previous fill)."""
        return (self.from_frames + self.from_previous) / self.hole_pixels if self.hole_pixels else 1.0


class FlowFill:
    """Classical flow fill of a clip's masked regions.

    frame_getter: ``frame_getter(i) -> (H, W, 3) uint8 RGB``; mask_getter: ``mask_getter(i) ->
        (H, W) uint8`` (non-zero = object to remove), for ``0 <= i < frame_count``.
    flow: the clip's :class:`FlowField` to share; by default one is made over ``frame_getter``.
    max_distance: farthest source frame visited on each side, in frames.
    dilate: masks are grown by this many pixels (see :mod:`core.fill.holes`); outside the grown
        mask the output is the input frame, bit for bit.
    direct_distance: sources up to this far use direct DIS flow, farther ones chained flow.
    consistency_threshold: minimum forward-backward consistency (0..1) of a copied pixel's mapping.
    After each fill, ``last_fill_stats`` says how much of the hole came from the flow.
    """

    def __init__(
        self,
        frame_getter: Callable[[int], np.ndarray],
        mask_getter: Callable[[int], np.ndarray],
        frame_count: int,
        *,
        flow: FlowField | None = None,
        max_distance: int = 40,
        dilate: int = 3,
        direct_distance: int = 2,
        consistency_threshold: float = 0.5,
    ) -> None:
        self._frame = frame_getter
        self._mask = mask_getter
        self.frame_count = frame_count
        # Completed flows are kept for every pair one target frame visits (its direct pairs and
        # the chain of neighbouring pairs on both sides), so the next target reuses them all;
        # the raw flows behind them are then needed only once, so an own flow field keeps few.
        pairs_per_target = 2 * max_distance + 4 * max(1, direct_distance) + 4
        self._flow_field = flow if flow is not None else FlowField(frame_getter, frame_count, cache_pairs=8)
        self.max_distance = max_distance
        self.dilate = dilate
        self.direct_distance = max(1, direct_distance)
        self.consistency_threshold = consistency_threshold
        self._completed = CompletedFlows(self._flow_field, self._working_hole, cache_pairs=pairs_per_target)
        self._holes: OrderedDict[int, np.ndarray] = OrderedDict()
        self.last_fill_stats: FillStats | None = None

    def fill_frame(self, index: int) -> np.ndarray:
        """Frame ``index`` with its hole filled: ``(H, W, 3)`` uint8 RGB."""
        self._check_index(index)
        return self._fill(index, previous=None)

    def fill_clip(
        self,
        *,
        start: int = 0,
        stop: int | None = None,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> Iterator[np.ndarray]:
        """Yield filled frames ``start .. stop - 1`` in order.

        Each frame may also borrow from the previous filled frame, so results can differ
        slightly from :meth:`fill_frame` in regions no source frame shows.
        Raises :class:`core.errors.Cancelled` before the next frame once ``cancel`` is set.
        """
        stop = self.frame_count if stop is None else stop
        if not 0 <= start <= stop <= self.frame_count:
            raise IndexError(f"frames {start}..{stop} outside 0..{self.frame_count}")
        total = stop - start
        previous: tuple[int, np.ndarray] | None = None
        for done, index in enumerate(range(start, stop)):
            cancel.raise_if_cancelled()
            filled = self._fill(index, previous=previous)
            previous = (index, filled)
            progress(done + 1, total, f"Filled frame {index + 1} of {self.frame_count}")
            yield filled

    # -- one frame ---------------------------------------------------------------------------

    def _fill(self, t: int, previous: tuple[int, np.ndarray] | None) -> np.ndarray:
        frame = self._frame(t)
        hole = self._hole(t)
        ys, xs = np.nonzero(hole)
        hole_points = np.stack([xs, ys], axis=1).astype(np.float32)  # (n, 2) full-res pixels
        colours = np.zeros((len(hole_points), 3), np.uint8)
        filled = np.zeros(len(hole_points), bool)
        from_frames = sources = 0
        for s, ids, positions, consistency in self._source_mappings(t, hole_points, filled):
            taken = self._copy_along_flow(self._frame(s), self._hole(s), ids, positions, consistency, colours, filled)
            from_frames += taken
            sources += taken > 0
            if filled.all():
                break
        from_previous = 0
        if not filled.all() and previous is not None and abs(previous[0] - t) == 1:
            ids = np.flatnonzero(~filled)
            positions, consistency = self._direct(t, previous[0], hole_points[ids])
            from_previous = self._copy_along_flow(previous[1], None, ids, positions, consistency, colours, filled)
        result = frame.copy()
        result[ys, xs] = colours
        left = np.zeros_like(hole)
        left[ys[~filled], xs[~filled]] = True
        if left.any():
            result = inpaint_hole(result, left)
        self.last_fill_stats = FillStats(len(hole_points), from_frames, from_previous, int(left.sum()), sources)
        return composite(frame, result, hole)

    def _source_mappings(
        self, t: int, hole_points: np.ndarray, filled: np.ndarray
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """For sources ``s`` nearest first: ``(s, ids, positions, consistency)``.

        ``ids`` index the hole pixels still unfilled when ``s`` is reached, ``positions`` ``(m, 2)``
        are where they land in ``s`` (full-resolution pixels) and ``consistency`` ``(m,)`` 0..1.
        Reads ``filled`` as the caller updates it, so finished pixels are not carried further.
        """
        chains: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for distance in range(1, self.max_distance + 1):
            for side in (-1, 1):
                s = t + side * distance
                if not 0 <= s < self.frame_count:
                    continue
                if distance <= self.direct_distance:
                    ids = np.flatnonzero(~filled)
                    positions, consistency = self._direct(t, s, hole_points[ids])
                else:
                    ids, positions, consistency = chains[side]
                    unfinished = ~filled[ids]
                    ids, positions, consistency = ids[unfinished], positions[unfinished], consistency[unfinished]
                    positions, consistency = self._step(s - side, s, positions, consistency)
                chains[side] = (ids, positions, consistency)
                yield s, ids, positions, consistency

    def _direct(self, t: int, s: int, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``points`` of ``t`` land in ``s`` by the completed direct flow, and its consistency."""
        flow_ts, consistency_ts = self._completed.flow_and_consistency(t, s)
        return self._follow(flow_ts, consistency_ts, points)

    def _step(
        self, r: int, s: int, positions: np.ndarray, consistency: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Extend mappings that reached ``r`` at ``positions`` by the flow ``r → s``.

        The chain's consistency is its weakest link's.
        """
        flow_rs, consistency_rs = self._completed.flow_and_consistency(r, s)
        landed, step_consistency = self._follow(flow_rs, consistency_rs, positions)
        return landed, np.minimum(consistency, step_consistency)

    def _follow(
        self, working_flow: np.ndarray, working_consistency: np.ndarray, points: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``points + flow(points)`` (full-res pixels, ``(m, 2)``) and the consistency there (``(m,)``)."""
        return follow_working_flow(points, working_flow, working_consistency, self._flow_field.frame_size)

    def _copy_along_flow(
        self,
        source: np.ndarray,
        source_hole: np.ndarray | None,
        ids: np.ndarray,
        positions: np.ndarray,
        consistency: np.ndarray,
        colours: np.ndarray,
        filled: np.ndarray,
    ) -> int:
        """Copy ``source`` at ``positions`` into ``colours[ids]`` where the mapping is usable.

        Usable: consistent enough, inside the frame, and (with a ``source_hole``) on background.
        Marks the copied pixels in ``filled``; returns how many were copied.
        """
        height, width = source.shape[:2]
        x, y = positions[:, 0], positions[:, 1]
        usable = (consistency >= self.consistency_threshold) & (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        if source_hole is not None:
            usable &= sample_at(source_hole.view(np.uint8), x, y, interpolation="nearest", fill_value=1) == 0
        usable &= ~filled[ids]
        if usable.any():
            colours[ids[usable]] = sample_at(source, x[usable], y[usable])
            filled[ids[usable]] = True
        return int(usable.sum())

    # -- holes -------------------------------------------------------------------------------

    def _hole(self, index: int) -> np.ndarray:
        """Frame ``index``'s hole at full resolution, ``(H, W)`` bool (read-only, cached)."""
        hole = self._holes.get(index)
        if hole is None:
            mask = self._mask(index)
            check_mask_size(mask, self._flow_field.frame_size, index)
            hole = hole_from_mask(mask, self.dilate)
            hole.setflags(write=False)
            self._holes[index] = hole
            while len(self._holes) > _HOLES_KEPT:
                self._holes.popitem(last=False)
        self._holes.move_to_end(index)
        return hole

    def _working_hole(self, index: int) -> np.ndarray:
        """Frame ``index``'s hole on the flow's working grid; a pixel touching the hole is hole."""
        hole = self._hole(index)
        width, height = self._flow_field.working_size
        if hole.shape == (height, width):
            return hole
        return cv2.resize(hole.astype(np.uint8), (width, height), interpolation=cv2.INTER_AREA) > 0

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} outside 0..{self.frame_count - 1}")
