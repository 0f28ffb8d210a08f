"""Frames of the removal already rendered, kept on disk so a long clip does not fill the memory.

One lossless PNG per frame in a folder (a temporary one per editing session by default). The
index is in memory and thread-safe: a worker puts frames while the window asks which frames are
done (the timeline's "rendered" marks) and reads them back.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from core.atomic_write import write_bytes_atomic
from core.errors import KeyfillError


class RenderCache:
    """``frame -> (H, W, 3) uint8 RGB`` on disk."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._owns_folder = folder is None
        self.folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="keyfill-render-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._frames: set[int] = set()
        self._lock = threading.Lock()

    def put(self, frame: int, image: np.ndarray) -> None:
        ok, data = cv2.imencode(".png", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise KeyfillError(f"Could not encode rendered frame {frame}; check the disk and try again.")
        write_bytes_atomic(self._path(frame), data.tobytes())
        with self._lock:
            self._frames.add(frame)

    def get(self, frame: int) -> np.ndarray | None:
        with self._lock:
            if frame not in self._frames:
                return None
        image = cv2.imread(str(self._path(frame)), cv2.IMREAD_COLOR)
        return None if image is None else np.ascontiguousarray(image[:, :, ::-1])

    def frames(self) -> set[int]:
        with self._lock:
            return set(self._frames)

    def __contains__(self, frame: int) -> bool:
        with self._lock:
            return frame in self._frames

    def invalidate(self, frames: Iterable[int] | None = None) -> None:
        """Forget ``frames`` (all when None): their masks or content changed."""
        with self._lock:
            gone = set(self._frames) if frames is None else self._frames & set(frames)
            self._frames -= gone
        for frame in gone:
            self._path(frame).unlink(missing_ok=True)

    def close(self) -> None:
        """Delete the folder if the cache created it."""
        with self._lock:
            self._frames.clear()
        if self._owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _path(self, frame: int) -> Path:
        return self.folder / f"{frame:06d}.png"
