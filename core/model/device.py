"""Where the model runs: CUDA, Apple's MPS or the CPU, with mixed precision on CUDA."""

from __future__ import annotations

import contextlib
from typing import ContextManager

import torch

from core.errors import ModelError

_CHOICES = ("auto", "cuda", "mps", "cpu")


def pick_device(preference: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, else MPS if available, else CPU. ``"cuda"``, ``"mps"``,
    ``"cpu"`` (or ``"cuda:1"``): that device, or ``ModelError`` when it is not available."""
    kind = preference.split(":", 1)[0]
    if kind not in _CHOICES:
        raise ModelError(f"Unknown device {preference!r}: use auto, cuda, mps or cpu.")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ModelError("CUDA was requested but no CUDA GPU is available; use --device auto "
                         "or cpu.")
    if kind == "mps" and not _mps_available():
        raise ModelError("MPS was requested but is not available on this machine; use --device "
                         "auto or cpu.")
    return torch.device(preference)


def autocast(device: torch.device | str) -> ContextManager:
    """Mixed precision on CUDA (bf16 where supported, else fp16); a no-op elsewhere.

    With fp16 the caller's training loop needs a ``torch.amp.GradScaler``; ``autocast_dtype``
    says which one is in use.
    """
    dtype = autocast_dtype(device)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=dtype)


def autocast_dtype(device: torch.device | str) -> torch.dtype | None:
    """The dtype ``autocast(device)`` computes in, or ``None`` when it is a no-op."""
    device = torch.device(device)
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
