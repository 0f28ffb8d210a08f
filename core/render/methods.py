"""Which fill renders the removal: the removal methods and the choice of one.

``choose_fill`` resolves a method against the checkpoint on disk: ``network`` needs a loadable
checkpoint (a :class:`ModelError` otherwise), ``auto`` takes the network when one loads and
otherwise the classical flow fill with a one-line notice, ``flow`` is the flow fill. The result
is the only thing that differs between the two fills: the renderers never look at method names.
"""

from __future__ import annotations

from core.errors import MaskError
from core.render.model_finder import Notice, RemovalModel, find_removal_model, load_removal_model, log_notice

REMOVAL_METHODS = ("auto", "network", "flow")
"""``network``: the keyframe propagation network (every 20th frame, the rest along flow);
``flow``: the classical flow fill (flow-guided propagation + Telea); ``auto``: the network when a
checkpoint loads, else the flow fill."""


def check_method(method: str) -> str:
    """``method`` when it is one of :data:`REMOVAL_METHODS`, else :class:`MaskError`."""
    if method not in REMOVAL_METHODS:
        raise MaskError(f"Unknown removal method {method!r}; use one of {', '.join(REMOVAL_METHODS)}.")
    return method


def choose_fill(method: str, *, model_path=None, device: str = "auto",
                notice: Notice = log_notice) -> RemovalModel | None:
    """The network to render with, or ``None`` for the classical flow fill.

    method: one of :data:`REMOVAL_METHODS`; model_path: the checkpoint (default: see
    :mod:`core.render.model_finder`); device: ``auto``, ``cpu``, ``cuda`` or ``mps``.
    """
    check_method(method)
    if method == "flow":
        return None
    if method == "network":
        return load_removal_model(model_path, device=device)
    return find_removal_model(model_path, device=device, notice=notice)
