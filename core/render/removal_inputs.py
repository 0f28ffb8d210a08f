"""What every removal renderer reads of a project, computed once and cached.

Frames come from :func:`core.render.sources.removal_sources` (content keyframes replace the
decoded frames and have no hole). Two grids:

- the clip's full resolution ``(W, H)``: holes (masks grown by ``dilate`` pixels), the feathered
  compositing weight, and the results;
- the *working grid* ``(w, h)`` (at most ``project.settings.working_width`` wide, the same grid
  :class:`core.flow.FlowField` computes flow on): the network's frames and holes, and the
  completed flows (flow inside holes interpolated from the motion around them, as in the paper's
  rough alignment, :mod:`core.fill.flow_completion`) with their forward-backward consistency.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from core.fill.flow_completion import CompletedFlows
from core.fill.holes import check_mask_size, hole_from_mask
from core.flow import FlowField, kept_flows, working_size
from core.lru import LRUCache
from core.project import Project
from core.render.composite import feather_alpha
from core.render.sources import removal_sources

_KEPT = 48  # holes / working frames / weights kept per kind (a chunk and its keyframes)
FULL_RESOLUTION_BYTES = 32 * 2**20
"""Bytes kept per kind of full-resolution map (holes, compositing weights): each is read for the
frame being rendered and its few anchors, and 48 weights of a 4K clip were 1.6 GB (issue 14)."""
_BYTES_PER_PIXEL = {"hole": 1, "alpha": 4}  # bool, float32
_COMPLETED_PAIRS = 24  # 3 MB each at 480 px wide: the network reads t -> t +- 10 again 10 frames on


class RemovalInputs:
    """Frames, holes and flows of one project for the renderers; not thread-safe.

    frame_of: ``frame_of(i) -> (H, W, 3)`` uint8 RGB decoded source frame.
    dilate: pixels the masks are grown by (the hole); feather: pixels of the compositing ramp
    (default: ``project.settings.feather``).
    """

    def __init__(self, project: Project, frame_of: Callable[[int], np.ndarray], *, dilate: int = 3,
                 feather: float | None = None, flow: FlowField | None = None) -> None:
        self.project = project
        self.frame_count = project.clip.frame_count
        self.frame_size = (project.clip.width, project.clip.height)
        self.working_size = working_size(*self.frame_size, project.settings.working_width)
        self.dilate = dilate
        self.feather = project.settings.feather if feather is None else feather
        self._frame, self._mask = removal_sources(project, frame_of)
        self.flow = flow if flow is not None else self._flow_field()
        self._caches: dict[str, LRUCache[int, np.ndarray]] = {}
        self._completed = CompletedFlows(self.flow, self.working_hole, cache_pairs=_COMPLETED_PAIRS)

    # -- frames and holes --------------------------------------------------------------------

    def frame(self, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB: the content keyframe if there is one, else the decoded frame."""
        return self._frame(index)

    def needs_fill(self, index: int) -> bool:
        """Whether frame ``index`` has anything to fill: not a content keyframe (hand-fixed,
        returned as it is) and its grown mask not empty (else the source frame is the result).
        The renderers ask this before any work."""
        return not self.is_fixed(index) and bool(self.hole(index).any())

    def is_fixed(self, index: int) -> bool:
        """Whether ``index`` is a content keyframe (hand-fixed: returned as it is, fully known)."""
        return index in self.project.content_keyframes()

    def mask(self, index: int) -> np.ndarray:
        """``(H, W)`` uint8, non-zero = object to remove (empty on content keyframes)."""
        return self._mask(index)

    def hole(self, index: int) -> np.ndarray:
        """``(H, W)`` bool: the mask grown by ``dilate`` pixels (cached: do not modify)."""
        def make() -> np.ndarray:
            mask = self._mask(index)
            check_mask_size(mask, self.frame_size, index)
            return hole_from_mask(mask, self.dilate)
        return self._cached("hole", index, make)

    def alpha(self, index: int) -> np.ndarray:
        """``(H, W)`` float32 0..1 compositing weight of the fill (:func:`feather_alpha`)."""
        return self._cached("alpha", index,
                            lambda: feather_alpha(self.hole(index), self._mask(index), self.feather))

    def working_hole(self, index: int) -> np.ndarray:
        """``(h, w)`` bool hole on the working grid; a working pixel touching the hole is hole."""
        def make() -> np.ndarray:
            hole = self.hole(index)
            width, height = self.working_size
            if hole.shape == (height, width):
                return hole
            return cv2.resize(hole.astype(np.uint8), (width, height), interpolation=cv2.INTER_AREA) > 0
        return self._cached("working_hole", index, make)

    def working_frame(self, index: int) -> np.ndarray:
        """``(h, w, 3)`` uint8 RGB frame on the working grid (area-averaged)."""
        def make() -> np.ndarray:
            frame = self._frame(index)
            if (frame.shape[1], frame.shape[0]) == self.working_size:
                return frame
            return cv2.resize(frame, self.working_size, interpolation=cv2.INTER_AREA)
        return self._cached("working_frame", index, make)

    # -- flows -------------------------------------------------------------------------------

    def flow_and_consistency(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Completed ``flow_ab`` (``(h, w, 2)`` float32, working-grid pixels, on ``a``'s grid) and
        its forward-backward consistency (``(h, w)`` float32 0..1)."""
        if a == b:
            width, height = self.working_size
            return np.zeros((height, width, 2), np.float32), np.ones((height, width), np.float32)
        return self._completed.flow_and_consistency(a, b)

    # -- changes -----------------------------------------------------------------------------

    def invalidate(self, *, frames_changed: bool = False) -> None:
        """Masks changed: forget holes and completed flows. ``frames_changed`` (a content keyframe
        was set or removed): forget the raw flows too."""
        self._caches.clear()
        self._completed = CompletedFlows(self.flow, self.working_hole, cache_pairs=_COMPLETED_PAIRS)
        if frames_changed:
            self.flow = self._flow_field()
            self._completed = CompletedFlows(self.flow, self.working_hole, cache_pairs=_COMPLETED_PAIRS)

    def _flow_field(self) -> FlowField:
        """Flows on the clip's shared cache when one was made (:func:`core.flow.project_flows`: those
        rotoscoping computed are not computed again); pairs with a content keyframe, whose pixels
        are not the clip's, are not shared."""
        return FlowField(self._frame, self.frame_count, working_width=self.project.settings.working_width,
                         cache_pairs=64, cache=kept_flows(self.project),
                         unshared=self.project.content_keyframes())

    def _cached(self, kind: str, index: int, make: Callable[[], np.ndarray]) -> np.ndarray:
        cache = self._caches.get(kind)
        if cache is None:
            cache = self._caches[kind] = LRUCache(self._kept(kind))
        return cache.made(index, make)

    def _kept(self, kind: str) -> int:
        """How many of ``kind`` are kept: ``_KEPT``, or fewer full-resolution maps of a large clip."""
        per_pixel = _BYTES_PER_PIXEL.get(kind)
        if per_pixel is None:
            return _KEPT
        width, height = self.frame_size
        return max(2, min(_KEPT, FULL_RESOLUTION_BYTES // (width * height * per_pixel)))
