"""How a removal runs: one frozen :class:`RemovalOptions`, checked when it is made.

The options are made once at the top (``main.py remove`` / ``render`` / ``export`` / ``demo``
from their arguments, the window from its settings) and travel unchanged to the renderers, the
farm's chunks and the preview's keys; what each call decides itself (which frames, ``notice``,
``progress``, ``cancel``) stays a parameter. A value out of range is a
:class:`~core.errors.SettingsError` naming the option, raised where the options are made, before
any frame is read. The two open choices are resolved once, at the top of the first layer called:
``method=None`` (the project's setting) by :meth:`RemovalOptions.for_project`, ``"auto"`` (the
network when a checkpoint loads) by :func:`core.render.methods.choose_fill`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from core.errors import SettingsError
from core.render.model_finder import model_path

REMOVAL_METHODS = ("auto", "network", "flow")
"""``network``: the keyframe propagation network (every 20th frame, the rest along flow);
``flow``: the classical flow fill (flow-guided propagation + Telea); ``auto``: the network when a
checkpoint loads, else the flow fill."""

DEVICES = ("auto", "cpu", "cuda", "mps")
"""Where the network runs (:func:`core.model.pick_device`; ``"cuda:1"`` names one GPU)."""


@dataclass(frozen=True)
class RemovalOptions:
    """What a removal does; the defaults are the project's method with the shipped network.

    method: one of :data:`REMOVAL_METHODS`, or None for the project's ``removal_method``.
    model_path: the network's checkpoint (None: ``$KEYFILL_MODEL``, else the shipped one; see
        :mod:`core.render.model_finder`).
    device: one of :data:`DEVICES` (``"cuda:1"``: one GPU).
    prealign: the network's "+prealign" step (reliable keyframe pixels carried into the hole
        along flow before the network).
    """

    method: str | None = None
    model_path: Path | None = None
    device: str = "auto"
    prealign: bool = False

    def __post_init__(self) -> None:
        if self.method is not None and self.method not in REMOVAL_METHODS:
            raise SettingsError(f"Unknown removal method {self.method!r}",
                                f"use one of {', '.join(REMOVAL_METHODS)}")
        if not isinstance(self.device, str) or self.device.split(":", 1)[0] not in DEVICES:
            raise SettingsError(f"Unknown device {self.device!r} for the removal network",
                                f"use one of {', '.join(DEVICES)}")
        if not isinstance(self.prealign, bool):
            raise SettingsError(f"The removal option prealign={self.prealign!r} is not True or False",
                                "give prealign True or False")
        if self.model_path is not None:
            if not isinstance(self.model_path, (str, os.PathLike)) or not str(self.model_path):
                raise SettingsError(f"The removal model {str(self.model_path)[:80]!r} is not a file path",
                                    "give the checkpoint's path, or None for the shipped one")
            object.__setattr__(self, "model_path", Path(self.model_path))

    def for_project(self, project) -> RemovalOptions:
        """These options with ``method`` the project's setting when it was None."""
        return self if self.method is not None else replace(self, method=project.settings.removal_method)

    def with_model_file(self) -> RemovalOptions:
        """These options with ``model_path`` the absolute file the network is read from (for
        processes that do not share this one's environment or working folder: the farm)."""
        return replace(self, model_path=model_path(self.model_path).resolve())
