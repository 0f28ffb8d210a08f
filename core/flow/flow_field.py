"""The flows of one clip, computed on demand and kept in a bounded cache.

Both directions of a frame pair are computed together (the consistency of one needs the other) and
stored on the *working grid* (see :mod:`core.flow.dis_flow`), so a cache entry costs the same at
4K as at 480p: about 2.3 MB per pair at the default working width of 480 pixels.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable

import cv2
import numpy as np

from core.flow.consistency import forward_backward_consistency
from core.flow.dis_flow import compute_both_ways, resize_flow, working_size
from core.flow.flow_cache import FlowCache
from core.lru import LRUCache

_GREY_FRAMES_KEPT = 8  # chains of neighbouring pairs ask for each frame twice


@dataclass
class _PairFlows:
    """Flows of frames ``low < high`` on the working grid, in working-grid pixels."""

    forward: np.ndarray  # low → high
    backward: np.ndarray  # high → low
    consistency: dict[bool, np.ndarray] = field(default_factory=dict)  # key: is forward


class FlowField:
    """Flows between any two frames of a clip, with forward-backward consistency.

    frame_of: ``frame_of(i) -> (H, W, 3) uint8 RGB`` for ``0 <= i < frame_count``.
    working_width: DIS runs at most this wide (pixels); ``None`` for full resolution.
    cache_pairs: how many frame pairs (both directions each) are kept, least recently used first out.
    cache: the clip's :class:`~core.flow.flow_cache.FlowCache` (shared with other fields over the
        clip, and on disk beside a saved project): pairs found there are not computed, pairs
        computed are put there. unshared: frames whose pixels are not the clip's (a removal's
        content keyframes): their pairs are computed here and not shared.
    Arrays returned are read-only views of the cache at working size; copy them to modify.
    Thread-safe; two threads asking for the same new pair may both compute it.
    """

    def __init__(
        self,
        frame_of: Callable[[int], np.ndarray],
        frame_count: int,
        *,
        working_width: int | None = 480,
        cache_pairs: int = 256,
        cache: FlowCache | None = None,
        unshared: Iterable[int] = (),
    ) -> None:
        if frame_count < 1:
            raise ValueError(f"frame_count must be at least 1, got {frame_count}")
        if cache_pairs < 1:
            raise ValueError(f"cache_pairs must be at least 1, got {cache_pairs}")
        if working_width is not None and (isinstance(working_width, bool) or not isinstance(working_width, int)
                                          or working_width < 1):
            raise ValueError(f"working_width must be a positive number of pixels or None, not {working_width!r}")
        self._frame_of = frame_of
        self.frame_count = frame_count
        self._working_width = working_width
        self._pairs: LRUCache[tuple[int, int], _PairFlows] = LRUCache(cache_pairs)
        self._greys: LRUCache[int, np.ndarray] = LRUCache(_GREY_FRAMES_KEPT)
        self._lock = threading.Lock()  # for pairs_computed
        self._frame_size: tuple[int, int] | None = None
        self._shared = cache
        self._unshared = frozenset(unshared)
        self.pairs_computed = 0
        """How many pairs DIS has been run on (both directions each); for tests and statistics."""

    @property
    def frame_size(self) -> tuple[int, int]:
        """``(width, height)`` of the clip's frames, in pixels."""
        if self._frame_size is None:
            self._grey(0)
        assert self._frame_size is not None
        return self._frame_size

    @property
    def working_size(self) -> tuple[int, int]:
        """``(width, height)`` of the grid flows are computed and cached on."""
        return working_size(*self.frame_size, self._working_width)

    def flow(self, a: int, b: int) -> np.ndarray:
        """``flow_ab``: ``(H, W, 2)`` float32 full-resolution pixels on frame a's grid."""
        return resize_flow(self.working_flow(a, b), self.frame_size)

    def consistency(self, a: int, b: int) -> np.ndarray:
        """Forward-backward consistency of ``flow_ab``: ``(H, W)`` float32 0..1 on frame a's grid."""
        small = self.working_consistency(a, b)
        if small.shape[::-1] == self.frame_size:
            return small
        return cv2.resize(small, self.frame_size, interpolation=cv2.INTER_LINEAR)

    def working_flow(self, a: int, b: int) -> np.ndarray:
        """``flow_ab`` on the working grid, in working-grid pixels: ``(h, w, 2)`` float32."""
        if a == b:
            width, height = self.working_size
            return np.zeros((height, width, 2), np.float32)
        pair = self._pair(a, b)
        return pair.forward if a < b else pair.backward

    def working_consistency(self, a: int, b: int) -> np.ndarray:
        """Consistency of ``flow_ab`` on the working grid: ``(h, w)`` float32 0..1.

        Measured where DIS works, so the test's pixel allowances are working-grid pixels.
        """
        if a == b:
            width, height = self.working_size
            return np.ones((height, width), np.float32)
        pair = self._pair(a, b)
        is_forward = a < b
        if is_forward not in pair.consistency:
            there, back = (pair.forward, pair.backward) if is_forward else (pair.backward, pair.forward)
            pair.consistency[is_forward] = _read_only(forward_backward_consistency(there, back))
        return pair.consistency[is_forward]

    def _pair(self, a: int, b: int) -> _PairFlows:
        for index in (a, b):
            if not 0 <= index < self.frame_count:
                raise IndexError(f"frame {index} outside 0..{self.frame_count - 1}")
        key = (min(a, b), max(a, b))
        return self._pairs.made(key, lambda: self._computed_pair(*key))

    def _computed_pair(self, low_index: int, high_index: int) -> _PairFlows:
        shared = self._shared if self._shares(low_index, high_index) else None
        if shared is not None:
            found = shared.get(low_index, high_index, self.working_size)
            if found is not None:
                return _PairFlows(forward=_read_only(found[0]), backward=_read_only(found[1]), consistency=found[2])
        low, high = self._grey(low_index), self._grey(high_index)
        size = (low.shape[1], low.shape[0])
        forward, backward = compute_both_ways(low, high, size)
        pair = _PairFlows(forward=_read_only(forward), backward=_read_only(backward))
        with self._lock:
            self.pairs_computed += 1
        if shared is not None:
            shared.put(low_index, high_index, size, pair.forward, pair.backward, pair.consistency)
        return pair

    def _shares(self, low_index: int, high_index: int) -> bool:
        """Whether the pair's flows come from / go to the shared cache: the frames are the clip's
        own and of its size."""
        return (self._shared is not None and low_index not in self._unshared and high_index not in self._unshared
                and self.frame_size == self._shared.frame_size)

    def _grey(self, index: int) -> np.ndarray:
        """Frame ``index`` as grey uint8 on the working grid (kept for a few neighbouring pairs)."""
        return self._greys.made(index, lambda: self._working_grey(index))

    def _working_grey(self, index: int) -> np.ndarray:
        frame = self._frame_of(index)
        height, width = frame.shape[:2]
        if self._frame_size is None:
            self._frame_size = (width, height)
        elif self._frame_size != (width, height):
            raise ValueError(f"frame {index} is {width}x{height}, the clip is {self._frame_size}")
        grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame
        size = working_size(width, height, self._working_width)
        if size != (width, height):
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return grey


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
