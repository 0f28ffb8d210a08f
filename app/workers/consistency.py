"""Forward-backward flow consistency of one frame pair, computed on a worker (``core.flow``)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal, Slot

from app.workers.frames import open_reader
from app.workers.threads import LatestRequestWorker


class ConsistencyWorker(LatestRequestWorker):
    """``submit((a, b, generation))`` -> ``computed(a, b, generation, consistency)``."""

    computed = Signal(int, int, int, object)  # (H, W) float32 0..1 on frame a's grid

    def __init__(self, path: Path, frame_count: int, working_width: int, opener: Callable = open_reader) -> None:
        super().__init__()
        self._path, self._count, self._width, self._open = Path(path), frame_count, working_width, opener
        self._reader = None
        self._field = None
        self._stale = False  # the working width changed: make a new flow field

    def set_working_width(self, width: int) -> None:
        """Compute flow at ``width`` from the next request on (the project's setting changed)."""
        with self._lock:
            if width != self._width:
                self._width, self._stale = width, True

    def handle(self, request: tuple[int, int, int]) -> None:
        a, b, generation = request
        with self._lock:
            if self._stale:
                self._field, self._stale = None, False
        if self._field is None:
            from core.flow import FlowField

            if self._reader is None:
                self._reader = self._open(self._path)
            self._field = FlowField(self._reader.frame, self._count, working_width=self._width)
        self.computed.emit(a, b, generation, self._field.consistency(a, b))

    @Slot()
    def release(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader = self._field = None
