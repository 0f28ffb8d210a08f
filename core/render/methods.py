"""Which fill renders the removal: the choice of the network or the classical flow fill.

``choose_fill`` resolves the options' method against the checkpoint on disk, once, at the top of
a render: ``network`` needs a loadable checkpoint (a :class:`ModelError` otherwise), ``auto``
takes the network when one loads and otherwise the classical flow fill with a one-line notice,
``flow`` is the flow fill. The result is the only thing that differs between the two fills: the
renderers never look at method names.
"""

from __future__ import annotations

from core.render.model_finder import Notice, RemovalModel, find_removal_model, load_removal_model, log_notice
from core.render.options import REMOVAL_METHODS, RemovalOptions

__all__ = ["REMOVAL_METHODS", "choose_fill"]


def choose_fill(options: RemovalOptions, *, notice: Notice = log_notice) -> RemovalModel | None:
    """The network to render with, or ``None`` for the classical flow fill.

    ``options.method`` must be set (:meth:`RemovalOptions.for_project` fills in the project's);
    ``options.model_path`` and ``options.device``: where the checkpoint is read and run.
    """
    if options.method is None:
        raise ValueError("choose_fill needs a method: RemovalOptions.for_project(project) first")
    if options.method == "flow":
        return None
    if options.method == "network":
        return load_removal_model(options.model_path, device=options.device)
    return find_removal_model(options.model_path, device=options.device, notice=notice)
