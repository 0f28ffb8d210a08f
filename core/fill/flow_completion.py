"""Flow between masked frames, completed where the object makes it meaningless.

Inside a frame's hole DIS follows the object, not the background behind it; and where background
visible in frame ``a`` is covered by the object in frame ``b``, ``flow_ab`` has nothing true to
match. Both regions are *unreliable*. Like the paper's rough alignment ("interpolated in masked
areas") and the classical flow-guided inpainting methods, we replace the flow there by an
interpolation from the reliable flow around it, with a pull-push pyramid (``_pull_push``):

- *pull*: each coarser level (half the width and height) holds the average of the reliable
  vectors below it, weighted by how much of each coarse pixel was reliable; a coarse pixel at
  least a quarter reliable counts as fully known. Recursion stops at a fully known level, or at a
  level one pixel high or wide, whose unknown pixels take the level's weighted mean.
- *push*: going back up, every pixel is blended with the bilinearly upsampled coarser level in
  proportion to how unreliable it is, so reliable vectors are kept exactly and holes get a smooth
  average of the flow around them, which continues the camera and background motion inside.

When nothing is reliable the flow is taken as zero. Consistency is then measured between the two
*completed* flows, so a propagated background pixel passes the forward-backward test whenever the
background motion is smooth enough to be interpolated, and fails where interpolation and real
motion disagree.

All of this happens on the flow field's working grid (at most ``working_width`` wide).
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from core.flow import FlowField, forward_backward_consistency, warp
from core.lru import LRUCache

BOUNDARY_MARGIN = 4
"""Working-grid pixels around an unreliable region that are re-interpolated too: DIS matches
8x8 patches (preset MEDIUM), so flow this close to the object is dragged along with it."""



def complete_flow(flow: np.ndarray, unreliable: np.ndarray) -> np.ndarray:
    """``flow`` (``(h, w, 2)`` float32) with ``unreliable`` (``(h, w)`` bool) pixels interpolated."""
    if not unreliable.any():
        return flow
    if unreliable.all():  # no motion to continue: assume none
        return np.zeros_like(flow)
    return _pull_push(flow, (~unreliable).astype(np.float32))


class CompletedFlows:
    """Completed flows and their consistency for frame pairs, on the working grid, cached.

    flow_field: the clip's raw DIS flows.
    working_hole: ``working_hole(i) -> (h, w) bool``, frame i's hole on the working grid.
    cache_pairs: pairs kept (both directions each), least recently used first out.
    """

    def __init__(
        self, flow_field: FlowField, working_hole: Callable[[int], np.ndarray], *, cache_pairs: int = 24
    ) -> None:
        self._flows = flow_field
        self._working_hole = working_hole
        self._pairs: LRUCache[tuple[int, int], dict[bool, tuple[np.ndarray, np.ndarray]]] = LRUCache(cache_pairs)
        self._margin = cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * BOUNDARY_MARGIN + 1, 2 * BOUNDARY_MARGIN + 1)
        )

    def flow_and_consistency(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Completed ``flow_ab`` (``(h, w, 2)`` float32, working pixels) and its consistency (0..1)."""
        key = (min(a, b), max(a, b))
        return self._pairs.made(key, lambda: self._complete_pair(*key))[a < b]

    def _complete_pair(self, low: int, high: int) -> dict[bool, tuple[np.ndarray, np.ndarray]]:
        forward = self._complete(self._flows.working_flow(low, high), low, high)
        backward = self._complete(self._flows.working_flow(high, low), high, low)
        return {
            True: (forward, forward_backward_consistency(forward, backward)),
            False: (backward, forward_backward_consistency(backward, forward)),
        }

    def _complete(self, flow: np.ndarray, a: int, b: int) -> np.ndarray:
        hole_a, hole_b = self._working_hole(a), self._working_hole(b)
        lands_in_hole_b = warp(hole_b.astype(np.uint8), flow, interpolation="nearest") > 0
        unreliable = (hole_a | lands_in_hole_b).astype(np.uint8)
        unreliable = cv2.dilate(unreliable, self._margin) > 0
        return complete_flow(flow, unreliable)


def _pull_push(values: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Fill where ``weight`` is 0 from a pyramid of weighted averages; keep it where ``weight`` is 1."""
    height, width = weight.shape
    if weight.min() >= 1.0:
        return values
    if height <= 1 or width <= 1:
        total = weight.sum()
        mean = (values * weight[..., None]).sum(axis=(0, 1)) / max(total, 1e-6)
        return values * weight[..., None] + mean * (1 - weight[..., None])
    half = ((width + 1) // 2, (height + 1) // 2)
    coarse_weight = cv2.resize(weight, half, interpolation=cv2.INTER_AREA)
    coarse_sum = cv2.resize(values * weight[..., None], half, interpolation=cv2.INTER_AREA)
    coarse_values = coarse_sum / np.maximum(coarse_weight, 1e-6)[..., None]
    coarse = _pull_push(coarse_values, np.minimum(coarse_weight * 4, 1.0))
    upsampled = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    return values * weight[..., None] + upsampled * (1 - weight[..., None])
