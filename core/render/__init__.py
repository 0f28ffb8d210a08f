"""Rendering the removal: which fill runs (the network or the classical flow fill) for which frames."""

from core.render.removal import REMOVAL_METHODS, removal_sources, removed_frames

__all__ = ["REMOVAL_METHODS", "removal_sources", "removed_frames"]
