"""Which compute device the network runs on: the user's preference resolved against the machine."""

from __future__ import annotations

PREFERENCES = ("auto", "cpu", "cuda", "mps")


def resolve_device(preference: str = "auto") -> str:
    """``"cuda"``, ``"mps"`` or ``"cpu"``: ``preference`` if this machine has it, else the best
    available for ``"auto"``, else ``"cpu"``. Imports torch (seconds): call it off the UI thread."""
    preference = preference.lower()
    try:
        import torch
    except ImportError:
        return "cpu"
    available = {"cpu": True, "cuda": torch.cuda.is_available(),
                 "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())}
    if preference in available and preference != "auto":
        return preference if available[preference] else "cpu"
    return next(d for d in ("cuda", "mps", "cpu") if available[d])
