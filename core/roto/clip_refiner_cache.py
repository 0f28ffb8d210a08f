"""The clip refiners kept in this process (:mod:`core.roto.clip_refiner`), so re-propagating
unchanged keyframes (another object, undo) is free and a propagation after a keyframe was added
or corrected starts from the refiner that learned the others.

Keyed by a digest of what a refiner learned from; the least recently used go first; shared by
every thread (the window's workers), so every access holds the lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

CACHE_SIZE = 8  # refiners kept (each object's and its self-trained one)

_cache: OrderedDict[int, Any] = OrderedDict()
_cache_lock = threading.Lock()


def kept_refiner(key: int):
    """The refiner kept under ``key`` (now the most recently used), or None."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def kept_refiners() -> list:
    """Every kept refiner, the least recently used first."""
    with _cache_lock:
        return list(_cache.values())


def keep_refiner(key: int, refiner) -> None:
    with _cache_lock:
        _cache[key] = refiner
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def forget_refiners() -> None:
    """Drop every kept refiner (the next training starts from scratch)."""
    with _cache_lock:
        _cache.clear()
