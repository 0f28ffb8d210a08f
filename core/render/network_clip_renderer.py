"""The whole clip's removal by the network, as the paper renders video (Sec. 4, Supp. A).

Every 20th frame (the anchors of :mod:`core.render.keyframe_schedule`) is rendered by the network
from its keyframes; content keyframes are anchors that are already done. The frames between two
anchors are carried from both along chained flow (:mod:`core.render.segment_propagation`);
where no chain is reliable the network fills in, reading the two rendered anchors as fully known
keyframes, and a handful of such pixels (under ``FALLBACK_MIN_SHARE`` of the hole) go to Telea.

A frame depends only on its segment's two anchors, and the network is deterministic, so any
range of frames renders the same on its own as in a whole clip: ``frames(start, stop)`` and
``main.py render --frames`` split a clip into independent chunks (``keyframe_schedule.chunks``)
that a render farm can run on different machines. Within one process the chunks run one after
another (torch already uses every core for one frame); the last anchors are kept, so each anchor
is rendered once.
"""

from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

from core.fill.telea import inpaint_hole
from core.lru import LRUCache
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.render.composite import feathered_composite, upsample
from core.render.keyframe_schedule import ANCHOR_STEP, anchor_frames, segment_of
from core.render.network_renderer import KeyframeSource, NetworkRenderer
from core.render.segment_propagation import SegmentPropagation
from core.resize import resized

FALLBACK_MIN_PIXELS = 64
FALLBACK_MIN_SHARE = 0.05
"""A frame between anchors calls the network when at least ``FALLBACK_MIN_PIXELS`` (full
resolution) and ``FALLBACK_MIN_SHARE`` of its hole have no reliable chain; fewer go to Telea."""


class NetworkClipRenderer:
    """Cleaned frames of a project by the network, frame by frame or as a clip; not thread-safe.
    A :class:`~core.render.frame_renderer.FrameRenderer`.

    network: the :class:`NetworkRenderer` (its model, inputs and "+prealign" choice).
    step: frames between network-rendered anchors. fallback_min_pixels, fallback_min_share: when
    the network fills in for unreliable flow (see ``FALLBACK_MIN_SHARE``).
    After rendering, ``network_frames`` and ``fallback_frames`` count the network's runs for
    anchors and for frames between them.
    """

    def __init__(self, network: NetworkRenderer, *, step: int = ANCHOR_STEP,
                 fallback_min_pixels: int = FALLBACK_MIN_PIXELS, fallback_min_share: float = FALLBACK_MIN_SHARE,
                 keep_anchors: int = 4) -> None:
        self.network = network
        self.inputs = network.inputs
        self.step = step
        self.fallback_min_pixels = fallback_min_pixels
        self.fallback_min_share = fallback_min_share
        self._anchors: list[int] | None = None
        self._rendered: LRUCache[int, np.ndarray] = LRUCache(keep_anchors)
        self._segments: LRUCache[tuple[int, int], SegmentPropagation] = LRUCache(2)
        self._generation = 0
        self._previous: tuple[int, np.ndarray] | None = None
        self.network_frames = 0
        self.fallback_frames = 0

    @property
    def anchors(self) -> list[int]:
        """Sorted frames the network renders (or takes as fixed)."""
        if self._anchors is None:
            self._anchors = anchor_frames(self.inputs.frame_count, step=self.step,
                                          content_keyframes=self.network.project.content_keyframes())
        return self._anchors

    def frames(self, start: int = 0, stop: int | None = None, *, progress: ProgressFn = no_progress,
               cancel: CancelToken = NEVER_CANCELLED) -> Iterator[np.ndarray]:
        """Yield cleaned frames ``start .. stop - 1`` in order (``(H, W, 3)`` uint8 RGB).

        Raises :class:`core.errors.Cancelled` before the next frame once ``cancel`` is set.
        """
        count = self.inputs.frame_count
        stop = count if stop is None else stop
        if not 0 <= start <= stop <= count:
            raise IndexError(f"frames {start}..{stop} outside 0..{count}")
        for done, index in enumerate(range(start, stop)):
            cancel.raise_if_cancelled()
            frame = self.render_frame(index)
            progress(done + 1, stop - start, f"Rendered frame {index + 1} of {count}")
            yield frame

    def render_frame(self, index: int) -> np.ndarray:
        """Frame ``index`` cleaned, exactly as in a whole-clip render: ``(H, W, 3)`` uint8 RGB."""
        inputs = self.inputs
        if not inputs.needs_fill(index):
            return inputs.frame(index)
        if self.network.corrects_flow_fill:
            return self._corrected_fill(index)
        a, b = segment_of(index, self.anchors)
        if a == b:
            return self.anchor_frame(index)
        rendered_a, rendered_b = self.anchor_frame(a), self.anchor_frame(b)
        ys, xs, colours, unreliable = self._segment(a, b).fill(index, rendered_a, rendered_b)
        source = inputs.frame(index)
        filled = source.copy()
        filled[ys, xs] = colours
        unreliable_count = int(unreliable.sum())
        if unreliable_count >= max(self.fallback_min_pixels, self.fallback_min_share * len(unreliable)):
            sources = [self._rendered_source(a, rendered_a), self._rendered_source(b, rendered_b)]
            network = upsample(self.network.fill_working(index, sources), inputs.frame_size)
            filled[ys[unreliable], xs[unreliable]] = network[ys[unreliable], xs[unreliable]]
            self.fallback_frames += 1
        elif unreliable.any():
            left = np.zeros(inputs.hole(index).shape, bool)
            left[ys[unreliable], xs[unreliable]] = True
            filled = inpaint_hole(filled, left)
        return feathered_composite(source, filled, inputs.alpha(index))

    def _corrected_fill(self, index: int) -> np.ndarray:
        """A model that corrects the flow fill renders every frame from that frame's own fill
        (measured: carrying its anchors along flow instead scores below the flow fill itself,
        docs/quality.md). Within a chunk of ``step`` frames the fill may carry from the previous
        frame's *flow fill*, as the flow fill does over a clip, so what no frame shows stays
        steady; chunks start afresh, so a chunk renders alone exactly as in the whole clip. (Not
        from the previous *rendered* frame: the network's correction then fed back into the next
        frame's input and grew, frame after frame, into horizontal streaks and a colour drift
        late in each chunk where no frame shows the background, seen on panning shots.)"""
        previous = None
        if self._previous is not None and self._previous[0] == index - 1 and index % self.step:
            previous = self._previous
        rendered = self.network.render_frame(index, previous=previous)
        self._previous = (index, self.network.flow_fill(index)) if self.inputs.needs_fill(index) else None
        self.network_frames += 1
        return rendered

    def anchor_frame(self, index: int) -> np.ndarray:
        """Anchor ``index`` cleaned (kept for the next frames): the network's render, or the
        content keyframe / source frame when there is nothing to fill."""
        return self._rendered.made(index, lambda: self._render_anchor(index))

    def _render_anchor(self, index: int) -> np.ndarray:
        if not self.inputs.needs_fill(index):
            return self.inputs.frame(index)
        rendered = self.network.render_frame(index)
        self.network_frames += 1
        return rendered

    def invalidate(self, *, frames_changed: bool = False) -> None:
        """Masks (or, with ``frames_changed``, content keyframes) changed: render everything anew."""
        self._anchors = None
        self._rendered.clear()
        self._segments.clear()
        self._previous = None
        self._generation += 1
        self.network.invalidate(frames_changed=frames_changed)

    def close(self) -> None:
        self._rendered.clear()
        self._segments.clear()
        self.network.close()

    def _segment(self, a: int, b: int) -> SegmentPropagation:
        return self._segments.made((a, b), lambda: SegmentPropagation(self.inputs, a, b))

    def _rendered_source(self, index: int, rendered: np.ndarray) -> KeyframeSource:
        """A rendered anchor as a fully known keyframe for the network's fallback."""
        size = self.inputs.working_size
        rgb = resized(rendered, size, cv2.INTER_AREA)
        hole = np.zeros((size[1], size[0]), bool)
        return KeyframeSource(index, rgb, hole, ("rendered", index, self._generation))
