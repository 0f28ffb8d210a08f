"""Decoding frames off the UI thread, with its own clip reader (readers are not thread-safe)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal, Slot

from app.workers.threads import LatestRequestWorker


def open_reader(path: Path):
    from core.video import open_clip

    return open_clip(path)


class FrameDecoder(LatestRequestWorker):
    """``submit(i)`` -> ``frameReady(i, frame)``; the newest request wins."""

    frameReady = Signal(int, object)  # index, (H, W, 3) uint8 RGB

    def __init__(self, path: Path, opener: Callable = open_reader) -> None:
        super().__init__()
        self._path, self._open = Path(path), opener
        self._reader = None

    def handle(self, index: int) -> None:
        if self._reader is None:
            self._reader = self._open(self._path)
        self.frameReady.emit(index, self._reader.frame(index))

    @Slot()
    def release(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
