"""The clip refiners kept in this process (:mod:`core.roto.clip_refiner`), so re-propagating
unchanged keyframes (another object, undo) is free and a propagation after a keyframe was added
or corrected starts from the refiner that learned the others.

Keyed by a digest of what a refiner learned from; the least recently used go first; shared by
every thread (the window's workers).
"""

from __future__ import annotations

from core.lru import LRUCache

CACHE_SIZE = 8  # refiners kept (each object's and its self-trained one)

kept_refiners: LRUCache = LRUCache(CACHE_SIZE)


def forget_refiners() -> None:
    """Drop every kept refiner (the next training starts from scratch)."""
    kept_refiners.clear()
