""""+prealign": keyframe pixels carried into the target's hole along reliable flow, before the
network runs (Esser et al., Supplementary A: "manually fusing context from other frames in areas
where the optical flow is reliable").

Keyframes are visited in the order given (the schedule's: content keyframes, then nearest
first); a hole pixel ``p`` of the target takes keyframe ``k``'s colour at ``p + flow_tk(p)``
(bilinear) when the flow's forward-backward consistency there is at least ``threshold``, the
position is inside the frame and shows background in ``k`` (not ``k``'s own hole), and no
earlier keyframe filled ``p``. Filled pixels become known to the network (mask 0), so it only
invents what no keyframe shows. Everything happens on the working grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from core.flow import sample_at

PREALIGN_CONSISTENCY = 0.6
"""Minimum consistency (0..1) of a carried pixel: a little stricter than the flow fill's 0.5, as the
network fills what is left anyway."""


@dataclass(frozen=True)
class AlignedSource:
    """One keyframe as prealignment reads it, all on the working grid: ``rgb`` ``(h, w, 3)`` uint8,
    ``hole`` ``(h, w)`` bool, ``flow`` ``(h, w, 2)`` float32 target -> keyframe in pixels on the
    target's grid, ``consistency`` ``(h, w)`` float32 0..1."""

    rgb: np.ndarray
    hole: np.ndarray
    flow: np.ndarray
    consistency: np.ndarray


def prealign(target: np.ndarray, hole: np.ndarray, sources: Iterable[AlignedSource], *,
             threshold: float = PREALIGN_CONSISTENCY) -> tuple[np.ndarray, np.ndarray]:
    """Fuse keyframe pixels into ``target``'s ``hole``.

    target: ``(h, w, 3)`` uint8 RGB; hole: ``(h, w)`` bool. Returns ``(rgb, remaining)``: the
    target with carried pixels written into its hole, and the ``(h, w)`` bool part of the hole no
    keyframe filled. Outside ``hole`` the target is unchanged.
    """
    rgb = target.copy()
    remaining = hole.copy()
    height, width = hole.shape
    for source in sources:
        ys, xs = np.nonzero(remaining)
        if len(ys) == 0:
            break
        x = xs + source.flow[ys, xs, 0]
        y = ys + source.flow[ys, xs, 1]
        usable = (source.consistency[ys, xs] >= threshold) & (x >= 0) & (x <= width - 1) \
            & (y >= 0) & (y <= height - 1)
        if source.hole.any():
            in_hole = sample_at(source.hole.view(np.uint8), x, y, interpolation="nearest", fill_value=1)
            usable &= in_hole == 0
        if usable.any():
            rgb[ys[usable], xs[usable]] = sample_at(source.rgb, x[usable], y[usable])
            remaining[ys[usable], xs[usable]] = False
    return rgb, remaining
