"""A least-recently-used cache of decoded frames, bounded in bytes rather than in frames.

A byte bound keeps memory predictable whatever the resolution: 512 MiB holds about 340 frames of
972x540 but only 21 frames of 4K. Frames are stored read-only because the same array is handed
to every caller that asks for that frame; a caller that wants to draw on it copies it first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np


class FrameCache:
    """Frames by index, evicting the least recently used once ``max_bytes`` would be exceeded.

    ``max_bytes`` counts the frames' pixel data (``ndarray.nbytes``); ``0`` disables caching.
    A lock makes each call atomic, so a reader thread and a thread that only calls
    :meth:`clear` or reads :attr:`nbytes` can share one cache.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Bytes of pixel data held now; never more than ``max_bytes``."""
        return self._nbytes

    def __len__(self) -> int:
        return len(self._frames)

    def __contains__(self, index: int) -> bool:
        return index in self._frames

    def get(self, index: int) -> np.ndarray | None:
        """The cached frame ``index`` (read-only), or ``None``; a hit makes it most recent."""
        with self._lock:
            frame = self._frames.get(index)
            if frame is not None:
                self._frames.move_to_end(index)
            return frame

    def put(self, index: int, frame: np.ndarray) -> np.ndarray:
        """Store ``frame`` as ``index`` and return it read-only.

        A frame larger than the whole budget is returned without being stored.
        """
        frame.flags.writeable = False
        size = frame.nbytes
        if size > self.max_bytes:
            return frame
        with self._lock:
            old = self._frames.pop(index, None)
            if old is not None:
                self._nbytes -= old.nbytes
            while self._frames and self._nbytes + size > self.max_bytes:
                _, evicted = self._frames.popitem(last=False)
                self._nbytes -= evicted.nbytes
            self._frames[index] = frame
            self._nbytes += size
        return frame

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._nbytes = 0
