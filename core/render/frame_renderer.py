"""The one interface of everything that renders single frames of the removal, and the flow fill
behind it.

A :class:`FrameRenderer` gives frame ``i`` cleaned (``render_frame``), forgets what edits made
stale (``invalidate``) and frees what it holds (``close``): the network's whole-clip render
(:class:`core.render.network_clip_renderer.NetworkClipRenderer`), the classical flow fill (:class:`FlowFillRenderer`)
and the window's preview (:class:`core.render.removal_renderer.RemovalRenderer`) alike, so a
caller never asks which one it has.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from core.fill import FlowFill
from core.render.removal_inputs import RemovalInputs


@runtime_checkable
class FrameRenderer(Protocol):
    def render_frame(self, index: int) -> np.ndarray:
        """Frame ``index`` cleaned: ``(H, W, 3)`` uint8 RGB, the source pixels outside the hole."""

    def invalidate(self, *, frames_changed: bool = False) -> None:
        """Masks changed (``frames_changed``: content keyframes too): forget what they fed."""

    def close(self) -> None:
        """Free what is kept (the loaded model stays for the next renderer)."""


class FlowFillRenderer:
    """The classical flow fill (:class:`core.fill.FlowFill`) of single frames, over ``inputs``
    (shared with the caller: its frames, masks and flows); not thread-safe."""

    def __init__(self, inputs: RemovalInputs) -> None:
        self.inputs = inputs
        self._fill: FlowFill | None = None

    def render_frame(self, index: int) -> np.ndarray:
        if self._fill is None:  # made on demand: after frames_changed the inputs' flow is new
            inputs = self.inputs
            self._fill = FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow,
                                  texture=inputs.project.settings.fill_texture)
        return self._fill.fill_frame(index)

    def invalidate(self, *, frames_changed: bool = False) -> None:
        self.inputs.invalidate(frames_changed=frames_changed)
        self._fill = None

    def close(self) -> None:
        self._fill = None
