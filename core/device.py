"""Which compute device the network runs on, as the window's status bar says it.

One resolver, :func:`core.model.device.pick_device`: here with ``fallback=True``, so a preference
this machine lacks gives the CPU instead of an error (the renderers and trainers raise, with the
fix, when the user asked for a device that is not there).
"""

from __future__ import annotations

PREFERENCES = ("auto", "cpu", "cuda", "mps")


def resolve_device(preference: str = "auto") -> str:
    """``"cuda"``, ``"mps"`` or ``"cpu"``: ``preference`` if this machine has it, else the best
    available for ``"auto"``, else ``"cpu"``. Imports torch (seconds): call it off the UI thread."""
    try:
        from core.model.device import pick_device
    except ImportError:
        return "cpu"
    return pick_device(preference.lower(), fallback=True).type
