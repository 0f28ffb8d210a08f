"""The removal network's checkpoint for the renderers, or a clear reason why it is not used.

The checkpoint is the registry's :data:`core.model.weights.REMOVAL` entry: the ``path`` argument
(``--model`` on the command line, or a project's own fine-tuned weights, :func:`project_model`),
the ``KEYFILL_MODEL`` environment variable, then ``resources/models/keyfill-base.pt``; loaded and
kept by :func:`core.model.weights.load_weights`.

``load_removal_model`` raises :class:`ModelError` (for ``--method network``: the user asked for
the network); ``find_removal_model`` turns the same problems into a one-line notice and returns
``None`` so the caller falls back to the classical flow fill (``--method auto``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

from core.errors import ModelError
from core.model.weights import REMOVAL, LoadedWeights, forget_loaded_weights, load_weights

DEFAULT_MODEL_PATH = REMOVAL.file
MODEL_ENV = REMOVAL.env

RemovalModel = LoadedWeights
"""A loaded removal network (``model``, ``device``, ``path``, ``extra``)."""

Notice = Callable[[str], None]
"""``notice(message)``: tells the user something went a different way than asked (one line)."""

_log = logging.getLogger("keyfill.render")

forget_loaded_models = forget_loaded_weights


def log_notice(message: str) -> None:
    """The default notice: a warning on the ``keyfill.render`` logger (stderr when unconfigured)."""
    _log.warning(message)


def model_path(path: str | os.PathLike | None = None) -> Path:
    """Where the checkpoint is looked for: ``path``, else ``$KEYFILL_MODEL``, else the default."""
    return REMOVAL.path(path)


def project_model(project) -> Path | None:
    """The weights ``project`` was fine-tuned to (its ``removal_model`` setting), or None to use
    the default. A recorded file that is gone is looked for beside the project under the same
    name (the project's folder was moved); if it is not there either, the recorded path is
    returned so that loading it says what is missing."""
    recorded = project.settings.removal_model
    if not recorded:
        return None
    path = Path(recorded)
    beside = project.path.parent / path.name if project.path is not None else None
    return beside if not path.is_file() and beside is not None and beside.is_file() else path


def load_removal_model(path: str | os.PathLike | None = None, *, device: str = "auto") -> RemovalModel:
    """Load the removal network (see the module docstring for where it is looked for).

    device: ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"mps"`` (:func:`core.model.pick_device`).
    Raises :class:`ModelError` for a missing, corrupt or foreign checkpoint, one built for another
    task (not RGB + mask in, RGB out), or an unavailable device.
    """
    return load_weights(REMOVAL, path, device=device)


def find_removal_model(path: str | os.PathLike | None = None, *, device: str = "auto",
                       notice: Notice = log_notice) -> RemovalModel | None:
    """Like :func:`load_removal_model`, but a problem becomes ``notice("...; using the classical
    flow fill.")`` and ``None`` instead of an error."""
    try:
        return load_removal_model(path, device=device)
    except ModelError as exc:
        notice(f"{str(exc).rstrip('.')}. Using the classical flow fill instead.")
        return None
