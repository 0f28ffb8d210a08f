"""The removal renderer the window uses for single frames, bound to a reader of its own thread.

:class:`PreviewRenderer` gives the preview exactly the frames the export will have
(``core.render.RemovalRenderer``): the network or the classical flow fill, as the project's
``removal_method`` says (``auto``: the network when a checkpoint loads). When the network cannot
run (no checkpoint, a damaged one, the device is gone) it says so once through ``notice`` and the
preview goes on with the flow fill rather than showing nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from app.notices import LOAD_MODEL
from app.workers.frames import open_reader
from core.errors import ModelError
from core.project import Project
from core.render.options import RemovalOptions

Notice = Callable[[str], None]


class PreviewRenderer:
    """Cleaned frames of ``project`` one at a time; not thread-safe (one per worker thread).

    options: the window's :class:`~core.render.RemovalOptions` (device; model_path: the network's
    file, None for ``core.render``'s default), the method always the project's; the project's own
    weights come first (:func:`removal_model_for`); notice: told, once per renderer, when the fill
    that runs is not the one asked for.
    """

    def __init__(self, project: Project, opener: Callable = open_reader, options: RemovalOptions = RemovalOptions(),
                 *, notice: Notice = lambda message: None) -> None:
        self._options = replace(options, method=None, model_path=removal_model_for(project, options.model_path))
        self._project, self._notice = project, notice
        self.model_path = _model_file(self._options.model_path)  # the file the network is read from
        self.reader = opener(project.clip.path)
        method = project.settings.removal_method
        if method != "flow" and not self.model_path.is_file() and project.settings.removal_model:
            notice(f"The weights tuned on this clip, {self.model_path}, are missing, so the preview shows the "
                   "classical flow fill; fine-tune again or use the shipped weights (Training panel).")
            method = "flow"
        elif method != "flow" and not self.model_path.is_file():
            notice("No removal model is installed, so the preview shows the classical flow fill; train one in "
                   f"the Training panel (Clip › Train on this clip…) or choose one with {LOAD_MODEL}.")
            method = "flow"
        self._renderer = self._make(method)

    @property
    def method(self) -> str | None:
        """``"network"`` or ``"flow"`` once a frame needed a fill; None before."""
        return self._renderer.method

    def render_frame(self, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB: the hand-fixed frame, the source where nothing is masked, or the fill."""
        try:
            return self._renderer.render_frame(index)
        except ModelError as exc:  # "network" asked for and unavailable: fall back, once
            if self._renderer.requested == "flow":
                raise
            self._notice(f"{str(exc).rstrip('.')}. The preview shows the classical flow fill.")
            self._renderer.close()
            self._renderer = self._make("flow")
            return self._renderer.render_frame(index)

    def invalidate(self) -> None:
        """Masks changed: the renderer drops what depends on them; flows between frames stay."""
        self._renderer.invalidate()

    def close(self) -> None:
        self._renderer.close()
        self.reader.close()

    def _make(self, method: str):
        from core.render import RemovalRenderer

        return RemovalRenderer(self._project, self.reader.frame, replace(self._options, method=method),
                               notice=self._notice)


def removal_model_for(project: Project | None, chosen=None) -> Path | None:
    """The model file a project renders with: its own fine-tuned weights (the ``removal_model``
    setting, saved with it), else ``chosen`` (the window's choice), else None for core's default."""
    from core.render.model_finder import project_model

    own = project_model(project) if project is not None else None
    return own or (Path(chosen) if chosen else None)


def _model_file(model_path) -> Path:
    """Where ``core.render`` looks for the model: ``model_path``, ``$KEYFILL_MODEL`` or the installed one."""
    from core.render.model_finder import model_path as resolve

    return resolve(model_path)
