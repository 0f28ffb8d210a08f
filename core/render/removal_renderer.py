"""Which fill renders the removal, and single frames of it for the window.

``choose_fill`` resolves a removal method against the checkpoint on disk: ``network`` needs a
loadable checkpoint (a :class:`ModelError` otherwise), ``auto`` takes the network when one loads
and otherwise the classical flow fill with a one-line notice, ``flow`` is the flow fill.
``RemovalRenderer`` is what a preview wants: ``render_frame(i)`` gives exactly the frame the
exported clip will have, ``invalidate()`` after edits, ``close()`` at the end.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.errors import MaskError
from core.project import Project
from core.render.model_finder import Notice, RemovalModel, find_removal_model, load_removal_model, log_notice

REMOVAL_METHODS = ("auto", "network", "flow")
"""``network``: the keyframe propagation network (every 20th frame, the rest along flow);
``flow``: the classical flow fill (flow-guided propagation + Telea); ``auto``: the network when a
checkpoint loads, else the flow fill."""


def choose_fill(method: str, *, model_path=None, device: str = "auto",
                notice: Notice = log_notice) -> RemovalModel | None:
    """The network to render with, or ``None`` for the classical flow fill.

    method: one of :data:`REMOVAL_METHODS`; model_path: the checkpoint (default: see
    :mod:`core.render.model_finder`); device: ``auto``, ``cpu``, ``cuda`` or ``mps``.
    """
    if method not in REMOVAL_METHODS:
        raise MaskError(f"Unknown removal method {method!r}; use one of {', '.join(REMOVAL_METHODS)}.")
    if method == "flow":
        return None
    if method == "network":
        return load_removal_model(model_path, device=device)
    return find_removal_model(model_path, device=device, notice=notice)


def network_clip_render(project: Project, frame_of: Callable[[int], np.ndarray], model: RemovalModel, *,
                        prealign: bool = False, notice: Notice = log_notice):
    """A :class:`core.render.clip_render.ClipRender` of ``project`` with ``model``."""
    from core.render.clip_render import ClipRender
    from core.render.network_renderer import NetworkRenderer

    return ClipRender(NetworkRenderer(project, frame_of, model, prealign=prealign, notice=notice))


class RemovalRenderer:
    """Cleaned frames of ``project`` one at a time, as the exported clip will have them.

    frame_of: ``frame_of(i) -> (H, W, 3)`` uint8 RGB source frame (e.g. a ``ClipReader.frame`` of
    the caller's thread). method: ``None`` for the project's setting, else one of
    :data:`REMOVAL_METHODS`. The checkpoint is loaded on the first frame that needs it; ``method``
    then says which fill runs (``"network"`` or ``"flow"``). Not thread-safe: one per worker.
    """

    def __init__(self, project: Project, frame_of: Callable[[int], np.ndarray], *, method: str | None = None,
                 model_path=None, device: str = "auto", prealign: bool = False,
                 notice: Notice = log_notice) -> None:
        from core.render.removal_inputs import RemovalInputs

        self.project = project
        self.requested = method or project.settings.removal_method
        self.method: str | None = None
        self._frame_of = frame_of
        self._model_path, self._device, self._prealign, self._notice = model_path, device, prealign, notice
        self._inputs = RemovalInputs(project, frame_of)
        self._model: RemovalModel | None = None
        self._renderer = None

    def render_frame(self, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB: the hand-fixed frame, the source where nothing is masked, or
        the fill. Outside the (grown) mask, the source pixels bit for bit."""
        if self._inputs.is_fixed(index) or not self._inputs.hole(index).any():
            return self._inputs.frame(index)
        return self._render(index)

    def invalidate(self, *, frames_changed: bool = False) -> None:
        """Masks changed (``frames_changed``: a content keyframe too); flows between unchanged
        frames are kept."""
        if self.method == "network" and self._renderer is not None:
            self._renderer.invalidate(frames_changed=frames_changed)  # its inputs are ours
        else:
            self._inputs.invalidate(frames_changed=frames_changed)
            self._renderer = None

    def close(self) -> None:
        if self._renderer is not None and self.method == "network":
            self._renderer.close()
        self._renderer = None

    def _render(self, index: int) -> np.ndarray:
        if self.method is None:
            model = choose_fill(self.requested, model_path=self._model_path, device=self._device,
                                notice=self._notice)
            self.method = "network" if model is not None else "flow"
            self._model = model
        if self._renderer is None:
            self._renderer = self._make_renderer()
        if self.method == "network":
            return self._renderer.frame(index)
        return self._renderer.fill_frame(index)

    def _make_renderer(self):
        if self.method == "network":
            from core.render.clip_render import ClipRender
            from core.render.network_renderer import NetworkRenderer

            network = NetworkRenderer(self.project, self._frame_of, self._model, inputs=self._inputs,
                                      prealign=self._prealign, notice=self._notice)
            return ClipRender(network)
        from core.fill import FlowFill

        inputs = self._inputs
        return FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow)
