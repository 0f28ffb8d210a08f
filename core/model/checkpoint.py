"""Saving and loading trained models.

A checkpoint is one ``torch.save`` file holding only plain types (so it loads with
``torch.load(weights_only=True)``, which never runs code from the file)::

    {"format": "keyfill-model", "version": 1,
     "config": ModelConfig.to_dict(), "state_dict": {...}, "extra": {...}}

``extra`` is the caller's (training step, losses, notes): dicts, lists, tuples, str, int,
float, bool, None and tensors only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from core.atomic_write import atomic_path
from core.errors import ModelError

from .config import ModelConfig
from .network import KeyframePropagationNet

FORMAT = "keyfill-model"
VERSION = 1

_PLAIN = (str, int, float, bool, type(None), torch.Tensor)


def save_checkpoint(path: str | os.PathLike, model: KeyframePropagationNet, *,
                    extra: dict[str, Any] | None = None,
                    dtype: torch.dtype | None = None) -> Path:
    """Write ``model`` (config + weights) and ``extra`` to ``path`` atomically.

    ``dtype=torch.float16`` stores floating-point weights at half size (the shipped checkpoints:
    half the download, outputs within ~1e-3 of fp32); :func:`load_checkpoint` always rebuilds
    an fp32 model, whatever the file holds.
    """
    extra = {} if extra is None else extra
    _check_plain(extra, "extra")
    state = {k: _stored(v, dtype) for k, v in model.state_dict().items()}
    payload = {"format": FORMAT, "version": VERSION, "config": model.config.to_dict(),
               "state_dict": state, "extra": extra}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu"
                    ) -> tuple[KeyframePropagationNet, dict[str, Any]]:
    """Rebuild the saved model on ``device`` in eval mode; returns ``(model, extra)``.

    Raises ``ModelError`` for a missing, unreadable or corrupt file, a file that is not a
    Keyfill checkpoint, one from a newer Keyfill, or weights that do not fit their config.
    """
    path = Path(path)
    payload = read_saved(path, FORMAT, missing=f"Model checkpoint not found: {path}. Check the path, or train a "
                         "model first.", corrupt=f"Model checkpoint {path} is corrupt or not a Keyfill checkpoint "
                         "({error}); re-download or re-train it.", foreign=f"{path} is not a Keyfill model "
                         "checkpoint; pass a .pt file written by Keyfill's training.")
    version = payload.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ModelError(f"Model checkpoint {path} has format version {version}, newer than this "
                         f"Keyfill supports ({VERSION}); update Keyfill.")
    try:
        config = ModelConfig.from_dict(payload["config"])
        model = KeyframePropagationNet(config)
        model.load_state_dict(payload["state_dict"], strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelError(f"Model checkpoint {path} does not match its model configuration "
                         f"({_first_line(exc)}); re-train it or use a checkpoint from this "
                         "Keyfill version.") from exc
    extra = payload.get("extra", {})
    return model.to(device).eval(), extra if isinstance(extra, dict) else {}


def read_saved(path: Path, file_format: str, *, missing: str, corrupt: str, foreign: str) -> dict[str, Any]:
    """The dict saved at ``path`` whose ``"format"`` is ``file_format`` (read with
    ``weights_only``: no code runs), else a :class:`ModelError` with the message for a missing file,
    an unreadable one (``{error}`` in ``corrupt`` becomes the exception's type) or another kind."""
    if not path.is_file():
        raise ModelError(missing)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, not a torch file, disallowed types, I/O errors
        raise ModelError(corrupt.replace("{error}", type(exc).__name__)) from exc
    if not isinstance(payload, dict) or payload.get("format") != file_format:
        raise ModelError(foreign)
    return payload


def _stored(tensor: torch.Tensor, dtype: torch.dtype | None) -> torch.Tensor:
    tensor = tensor.detach().cpu()
    return tensor.to(dtype) if dtype is not None and tensor.is_floating_point() else tensor


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, (str, int)):
                raise TypeError(f"{where}: key {k!r} is not str or int")
            _check_plain(v, f"{where}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]")
    elif not isinstance(value, _PLAIN):
        raise TypeError(f"{where} is a {type(value).__name__}; checkpoints hold plain types only")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
