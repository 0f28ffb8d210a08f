"""Saving and loading trained models.

A checkpoint is one ``torch.save`` file holding only plain types (so it loads with
``torch.load(weights_only=True)``, which never runs code from the file)::

    {"format": "keyfill-model", "version": 1,
     "config": ModelConfig.to_dict(), "state_dict": {...}, "extra": {...}}

``extra`` is the caller's (training step, losses, notes): dicts, lists, tuples, str, int,
float, bool, None and tensors only.

The clip refiner's pretrained weights (:mod:`core.roto.clip_refiner_weights`) are a file of the
same layout with their own ``format`` and network: :func:`write_saved` and :func:`load_saved`
write and read both (the format and version check, the weights fitting their network, the
messages naming the fix).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

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
    return write_saved(path, FORMAT, VERSION, config=model.config.to_dict(), state_dict=state, extra=extra)


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu"
                    ) -> tuple[KeyframePropagationNet, dict[str, Any]]:
    """Rebuild the saved model on ``device`` in eval mode; returns ``(model, extra)``.

    Raises ``ModelError`` for a missing, unreadable or corrupt file, a file that is not a
    Keyfill checkpoint, one from a newer Keyfill, or weights that do not fit their config.
    """
    path = Path(path)
    return load_saved(
        path, FORMAT, VERSION, lambda payload: KeyframePropagationNet(ModelConfig.from_dict(payload["config"])),
        device, missing=f"Model checkpoint not found: {path}. Check the path, or train a model first.",
        corrupt=f"Model checkpoint {path} is corrupt or not a Keyfill checkpoint ({{error}}); re-download or "
        "re-train it.",
        foreign=f"{path} is not a Keyfill model checkpoint; pass a .pt file written by Keyfill's training.",
        newer=f"Model checkpoint {path} has format version {{version}}, newer than this Keyfill supports "
        f"({VERSION}); update Keyfill.",
        mismatch=f"Model checkpoint {path} does not match its model configuration ({{error}}); re-train it or "
        "use a checkpoint from this Keyfill version.")


def write_saved(path: str | os.PathLike, file_format: str, version: int, *, config: dict[str, Any],
                state_dict: dict[str, torch.Tensor], extra: dict[str, Any]) -> Path:
    """Write ``{"format", "version", "config", "state_dict", "extra"}`` to ``path`` atomically
    (a failed write leaves nothing); returns the path."""
    payload = {"format": file_format, "version": version, "config": config, "state_dict": state_dict,
               "extra": extra}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return path


def load_saved(path: Path, file_format: str, newest: int, build: Callable[[dict[str, Any]], torch.nn.Module],
               device: str | torch.device, *, missing: str, corrupt: str, foreign: str, newer: str,
               mismatch: str) -> tuple[Any, dict[str, Any]]:
    """``(network in eval mode on device, extra)`` of a file :func:`write_saved` wrote:
    ``build(payload)`` makes the network from the saved ``config``, the saved weights are loaded
    into it (strictly). :class:`ModelError` with the message for a missing, unreadable or foreign
    file (:func:`read_saved`), one whose version is not a number up to ``newest`` (``{version}`` in
    ``newer`` becomes it), or weights that do not fit the network built (``{error}`` in ``mismatch``
    becomes the first line of the reason)."""
    payload = read_saved(path, file_format, missing=missing, corrupt=corrupt, foreign=foreign)
    version = payload.get("version")
    if not isinstance(version, int) or version > newest:
        raise ModelError(newer.replace("{version}", str(version)))
    try:
        model = build(payload)
        model.load_state_dict(payload["state_dict"], strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelError(mismatch.replace("{error}", _first_line(exc))) from exc
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
