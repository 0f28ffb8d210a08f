"""Single frames of the removal for the window, exactly as the exported clip will have them.

``RemovalRenderer`` is what a preview wants: ``render_frame(i)`` gives exactly the frame the
exported clip will have, ``invalidate()`` after edits, ``close()`` at the end. Which fill runs is
chosen once, on the first frame that needs one (:func:`core.render.methods.choose_fill`): the
network's :class:`NetworkClipRenderer` when a model loads, else the :class:`FlowFillRenderer`; both are
:class:`FrameRenderer`\\ s over the same inputs, so nothing here depends on which one it is.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.project import Project
from core.render.network_clip_renderer import NetworkClipRenderer
from core.render.frame_renderer import FlowFillRenderer, FrameRenderer
from core.render.methods import choose_fill
from core.render.model_finder import Notice, RemovalModel, log_notice
from core.render.network_renderer import NetworkRenderer
from core.render.options import RemovalOptions
from core.render.removal_inputs import RemovalInputs


class RemovalRenderer:
    """Cleaned frames of ``project`` one at a time, as the exported clip will have them.

    frame_of: ``frame_of(i) -> (H, W, 3)`` uint8 RGB source frame (e.g. a ``ClipReader.frame`` of
    the caller's thread). options: :class:`~core.render.options.RemovalOptions` (method None:
    the project's setting). The checkpoint is loaded on the first frame that needs it;
    ``method`` then says which fill runs (``"network"`` or ``"flow"``). Not thread-safe: one per
    worker.
    """

    def __init__(self, project: Project, frame_of: Callable[[int], np.ndarray],
                 options: RemovalOptions = RemovalOptions(), *, notice: Notice = log_notice) -> None:
        self.project = project
        self.options = options.for_project(project)
        self.requested = self.options.method
        self.method: str | None = None
        self._frame_of = frame_of
        self._notice = notice
        self._inputs = RemovalInputs(project, frame_of)
        self._model: RemovalModel | None = None
        self._renderer: FrameRenderer | None = None

    def render_frame(self, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB: the hand-fixed frame, the source where nothing is masked, or
        the fill. Outside the (grown) mask, the source pixels bit for bit."""
        if not self._inputs.needs_fill(index):
            return self._inputs.frame(index)
        return self._chosen().render_frame(index)

    def invalidate(self, *, frames_changed: bool = False) -> None:
        """Masks changed (``frames_changed``: a content keyframe too); flows between unchanged
        frames are kept."""
        if self._renderer is not None:
            self._renderer.invalidate(frames_changed=frames_changed)  # its inputs are ours
        else:
            self._inputs.invalidate(frames_changed=frames_changed)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
        self._renderer = None

    def _chosen(self) -> FrameRenderer:
        """The fill's renderer: chosen on the first frame that needs one, made again after close."""
        if self.method is None:
            self._model = choose_fill(self.options, notice=self._notice)
            self.method = "network" if self._model is not None else "flow"
        if self._renderer is None:
            self._renderer = FlowFillRenderer(self._inputs) if self._model is None else NetworkClipRenderer(
                NetworkRenderer(self.project, self._frame_of, self._model, inputs=self._inputs,
                                prealign=self.options.prealign, notice=self._notice))
        return self._renderer
