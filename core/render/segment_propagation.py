"""The frames between two rendered anchors, carried from both along the flow.

For a segment ``a < b`` (two anchors, :mod:`core.render.keyframe_schedule`), every frame
``t`` between them gets the flow ``t -> a`` by chaining the completed flows of neighbouring
frames, ``F_{t,a} = compose(flow_{t,t-1}, F_{t-1,a})``, and likewise ``t -> b``: neighbouring
frames are a small step DIS finds well, the chain is built once per segment (linear in its
length), and colours are sampled once, from the rendered anchor, so nothing blurs along the
way. A chain is as trustworthy as its weakest link: its consistency is the minimum of the
links' consistencies along the path.

A hole pixel's colour is the weighted mean of the two anchors' colours where it lands, with
weight ``consistency * temporal proximity`` (``(b - t)`` for ``a``, ``(t - a)`` for ``b``),
counting only chains of consistency >= ``threshold``; a landing on background the anchor really
shows (outside its hole) weighs more than one on what the network made up. Pixels with no
reliable chain are left to the caller (the network, :mod:`core.render.network_clip_renderer`).

How reliable is reliable: consistency is ``2 ** -(e / allowance)**2`` per link
(:mod:`core.flow.consistency`), and inside holes both directions of a link are interpolated
from different surroundings, so most links of a chain through a hole miss the occlusion test's
allowance a little, and the chain's minimum is tiny even when the chain lands right. Measured on
the evaluation clips with clean anchors (``main.py eval``), colours carried by chains whose
worst link is within 8 allowances (consistency ``>= 2**-64``) are within a few 8-bit levels of
the truth like those of fully consistent chains; beyond that, and for chains leaving the frame
(consistency 0), they are not.
"""

from __future__ import annotations

import numpy as np

from core.flow import compose_flow, follow_working_flow, sample_at, warp
from core.render.removal_inputs import RemovalInputs

CHAIN_CONSISTENCY = 2.0**-64
"""Minimum consistency (0..1) of a chain whose colour is used: its worst link's round trip within
8 allowances of the occlusion test (see the module docstring)."""

MADE_UP_WEIGHT = 0.3
"""Relative weight of a landing inside the anchor's hole (network content) vs. on real background."""


class SegmentPropagation:
    """Chained flows from every frame strictly between anchors ``a < b`` to both anchors.

    Built on demand and kept: ``2 * (b - a - 1)`` working-grid flow and consistency maps.
    """

    def __init__(self, inputs: RemovalInputs, a: int, b: int, *, threshold: float = CHAIN_CONSISTENCY) -> None:
        if not a < b:
            raise ValueError(f"a segment needs a < b, got {a}, {b}")
        self.inputs, self.a, self.b = inputs, a, b
        self.threshold = threshold
        self._to_a: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
        self._to_b: dict[int, tuple[np.ndarray, np.ndarray]] | None = None

    def fill(self, t: int, rendered_a: np.ndarray, rendered_b: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Colours for frame ``t``'s hole from the rendered anchors (``(H, W, 3)`` uint8 RGB).

        Returns ``(ys, xs, colours, unreliable)``: the hole pixels (full resolution, ``(n,)``
        int each), their ``(n, 3)`` uint8 colours, and ``(n,)`` bool, True where no chain was
        reliable (those colours are meaningless).
        """
        if not self.a < t < self.b:
            raise ValueError(f"frame {t} is not strictly between anchors {self.a} and {self.b}")
        hole = self.inputs.hole(t)
        ys, xs = np.nonzero(hole)
        points = np.stack([xs, ys], axis=1).astype(np.float32)
        total = np.zeros((len(points), 3), np.float32)
        weight = np.zeros(len(points), np.float32)
        for anchor, rendered, maps, proximity in (
            (self.a, rendered_a, self._maps_to_a(), self.b - t),
            (self.b, rendered_b, self._maps_to_b(), t - self.a),
        ):
            flow, consistency = maps[t]
            positions, chain = self._follow(flow, consistency, points)
            usable = chain >= self.threshold
            if not usable.any():
                continue
            x, y = positions[usable, 0], positions[usable, 1]
            made_up = sample_at(self.inputs.hole(anchor).view(np.uint8), x, y, interpolation="nearest",
                                fill_value=1) > 0
            w = chain[usable] * proximity * np.where(made_up, MADE_UP_WEIGHT, 1.0).astype(np.float32)
            total[usable] += w[:, None] * sample_at(rendered, x, y).astype(np.float32)
            weight[usable] += w
        unreliable = weight <= 0
        colours = np.clip(np.rint(total / np.where(unreliable, 1.0, weight)[:, None]), 0, 255).astype(np.uint8)
        return ys, xs, colours, unreliable

    # -- chains ------------------------------------------------------------------------------

    def _maps_to_a(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        if self._to_a is None:
            self._to_a = self._chain(range(self.a + 1, self.b), self.a, step=-1)
        return self._to_a

    def _maps_to_b(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        if self._to_b is None:
            self._to_b = self._chain(range(self.b - 1, self.a, -1), self.b, step=1)
        return self._to_b

    def _chain(self, frames: range, anchor: int, step: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """``{t: (F_{t,anchor}, C_{t,anchor})}`` on the working grid, built outward from ``anchor``."""
        maps: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        previous: tuple[np.ndarray, np.ndarray] | None = None
        for t in frames:
            link, link_consistency = self.inputs.flow_and_consistency(t, t + step)
            if previous is None:  # t + step is the anchor itself
                maps[t] = (link, link_consistency)
            else:
                flow_next, consistency_next = previous
                chained = compose_flow(link, flow_next)
                carried = warp(consistency_next, link, fill_value=0)
                maps[t] = (chained, np.minimum(link_consistency, carried))
            previous = maps[t]
        return maps

    def _follow(self, working_flow: np.ndarray, working_consistency: np.ndarray, points: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Full-resolution ``points`` ``(n, 2)`` moved by a working-grid flow, and its consistency
        (0 where they land outside the frame)."""
        width, height = self.inputs.frame_size
        positions, consistency = follow_working_flow(points, working_flow, working_consistency, (width, height))
        inside = (positions[:, 0] >= 0) & (positions[:, 0] <= width - 1) \
            & (positions[:, 1] >= 0) & (positions[:, 1] <= height - 1)
        return positions, np.where(inside, consistency, 0).astype(np.float32)
