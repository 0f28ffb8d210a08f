"""Loaded checkpoints kept in memory, shared by everything that loads the same file.

Torch-free to import (the window imports the model finders on its UI thread); torch is imported
when a checkpoint is actually read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, TypeVar

from core.errors import ModelError

T = TypeVar("T")


class CheckpointCache:
    """Loaded models kept per (file, modification time, size, device), the ``keep`` newest: the
    renderers and propagations created one after another share one model; a rewritten file is
    read again. Thread-safe (two threads loading the same new file may both read it)."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, path: Path, device, missing: str,
             wrap: Callable[[Any, dict[str, Any]], T]) -> T:
        """``wrap(model, extra)`` of the checkpoint at ``path`` on ``device`` (``torch.device``),
        from the cache when the file is unchanged. ``ModelError(missing)`` when there is no file;
        ``wrap`` may raise ``ModelError`` too (a model built for another task)."""
        try:
            stat = path.stat()
        except OSError:
            raise ModelError(missing) from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, str(device))
        with self._lock:
            if key in self._items:
                return self._items[key]
        from core.model import load_checkpoint  # torch: only once a model is really loaded

        model, extra = load_checkpoint(path, device)
        loaded = wrap(model, extra)
        with self._lock:
            self._items[key] = loaded
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
