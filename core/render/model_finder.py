"""Finding and loading the removal network's checkpoint, or saying clearly why it is not used.

Where the checkpoint is, first match wins: the ``path`` argument (``--model`` on the command
line, or a project's own fine-tuned weights, :func:`project_model`), the ``KEYFILL_MODEL``
environment variable (a setting for the window and render farms), then
``resources/models/keyfill-base.pt`` in the installation.

``load_removal_model`` raises :class:`ModelError` (for ``--method network``: the user asked for
the network); ``find_removal_model`` turns the same problems into a one-line notice and returns
``None`` so the caller falls back to the classical flow fill (``--method auto``). Loaded models are
kept per (file, modification time, device), so renderers created one after another share one.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.errors import ModelError
from core.checkpoint_cache import CheckpointCache

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "resources" / "models" / "keyfill-base.pt"
MODEL_ENV = "KEYFILL_MODEL"

Notice = Callable[[str], None]
"""``notice(message)``: tells the user something went a different way than asked (one line)."""

_log = logging.getLogger("keyfill.render")
_loaded = CheckpointCache(keep=2)


def log_notice(message: str) -> None:
    """The default notice: a warning on the ``keyfill.render`` logger (stderr when unconfigured)."""
    _log.warning(message)


@dataclass
class RemovalModel:
    """A loaded removal network: ``model`` (``KeyframePropagationNet`` in eval mode) on ``device``
    (``torch.device``), read from ``path``; ``extra`` is the checkpoint's training record."""

    model: Any
    device: Any
    path: Path | None
    extra: dict = field(default_factory=dict)


def model_path(path: str | os.PathLike | None = None) -> Path:
    """Where the checkpoint is looked for: ``path``, else ``$KEYFILL_MODEL``, else the default."""
    if path:
        return Path(path)
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else DEFAULT_MODEL_PATH


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
    from core.model import pick_device

    resolved = model_path(path)
    torch_device = pick_device(device)

    def checked(model, extra) -> RemovalModel:
        config = model.config
        # RGB + mask in, RGB out; or that plus the flow fill and its confidence, correcting the fill
        removal = (config.in_channels, config.out_channels) == (4, 3) or \
            (config.in_channels, config.out_channels, config.output) == (8, 3, "residual_rgb")
        if not removal:
            raise ModelError(f"{resolved} is not a removal model (it takes {config.in_channels} channels "
                             f"and gives {config.out_channels}); pass a checkpoint trained for removal.")
        return RemovalModel(model, torch_device, resolved, extra)

    return _loaded.load(resolved, torch_device, f"No removal model at {resolved}; train one first, or pass "
                        f"--model PATH (or set {MODEL_ENV}).", checked)


def find_removal_model(path: str | os.PathLike | None = None, *, device: str = "auto",
                       notice: Notice = log_notice) -> RemovalModel | None:
    """Like :func:`load_removal_model`, but a problem becomes ``notice("...; using the classical
    flow fill.")`` and ``None`` instead of an error."""
    try:
        return load_removal_model(path, device=device)
    except ModelError as exc:
        notice(f"{str(exc).rstrip('.')}. Using the classical flow fill instead.")
        return None


def forget_loaded_models() -> None:
    """Drop the kept models (frees their memory; the next load reads the file again)."""
    _loaded.clear()
