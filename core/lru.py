"""One least-recently-used cache for every in-memory cache of Keyfill that keeps a number of items.

(Caches bounded by bytes keep their own accounting: decoded frames in
:mod:`core.video.frame_cache`; the files on disk of :mod:`core.cleaned_frames` and
:mod:`core.flow.flow_cache`, which both drop theirs with :func:`evict_least_recent`.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most ``max_items`` values by key; storing one more drops the least recently used.

    Reading (:meth:`get`, :meth:`made`) or storing a key makes it the most recently used. Each
    call is atomic, so threads may share one cache; :meth:`made` calls ``make`` outside the lock
    (two threads missing the same key may both make it; the last one stored is kept).
    """

    def __init__(self, max_items: int) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self.max_items = max_items
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value of ``key`` (now the most recently used), or ``default``."""
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> V:
        """Store ``value`` as the most recently used; returns it."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return value

    def made(self, key: K, make: Callable[[], V]) -> V:
        """The value of ``key``, made by ``make()`` and stored when it is not kept."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return self.put(key, make())

    def items(self) -> list[tuple[K, V]]:
        """Every ``(key, value)``, the least recently used first."""
        with self._lock:
            return list(self._items.items())

    def values(self) -> list[V]:
        """Every value, the least recently used first."""
        with self._lock:
            return list(self._items.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


def evict_least_recent(sizes: OrderedDict[K, int], total: int, max_bytes: int,
                       keep: K | None = None) -> tuple[list[K], int]:
    """Drop entries of ``sizes`` (key -> bytes, the least recently used first) until ``total``
    bytes are at most ``max_bytes``; ``keep`` (the entry just stored) goes last and is never
    dropped. Returns the dropped keys, for the caller to delete their files, and the new total.
    Not locked: call it with the cache's lock held."""
    gone = []
    while total > max_bytes and sizes:
        name = next(iter(sizes))
        if name == keep:
            if len(sizes) == 1:
                break
            sizes.move_to_end(name)
            continue
        total -= sizes.pop(name)
        gone.append(name)
    return gone, total
