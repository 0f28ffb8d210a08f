"""Cleaned frames on disk, keyed by what they were rendered from, bounded in size.

The rules, stated once:

- One lossless PNG per (frame, key): ``000042-<key>.png``. The key says what the frame was
  rendered from (``keys.py``); a frame whose masks, keyframes, method or model changed has another
  key, so a stale file is never read for it. Several keys of one frame may sit side by side (an
  undo brings the older one back).
- Writes are atomic (``core.atomic_write``): a reader sees a whole PNG or none; what a killed
  writer left is removed by ``core.part_files``.
- The folder holds at most ``max_bytes``; past that the least recently used files go first.
- Keyfill deletes only files it names in a folder it made (the ``KEYFILL-FRAMES`` note inside);
  a folder of that name without the note is the user's and is refused (:class:`FolderNotOurs`).
- The index is in memory and thread-safe: workers put frames while the window asks which are
  ready and reads them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

from core.atomic_write import write_bytes_atomic
from core.errors import KeyfillError
from core.lru import evict_least_recent
from core.owned_folder import claim_folder

DEFAULT_MAX_BYTES = 2 * 2**30  # about 5,000 frames at 480p, 800 at 1080p
NOTE = "KEYFILL-FRAMES"
NOTE_TEXT = ("Cleaned frames Keyfill keeps for the preview of a project (PNG, lossless). "
             "Safe to delete: they are rendered again when needed.\n")
_NAME = re.compile(r"^(\d{6,})-([0-9a-f]{8,64})\.png$")


class FrameStore:
    """``(frame, key) -> (H, W, 3) uint8 RGB`` in ``folder``; ``temporary``: deleted by :meth:`close`."""

    def __init__(self, folder: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, temporary: bool = False) -> None:
        self.folder = Path(folder)
        self.max_bytes = int(max_bytes)
        self.temporary = temporary
        self._lock = threading.Lock()
        self._files: OrderedDict[tuple[int, str], int] = OrderedDict()  # least recently used first
        self._bytes = 0
        self._closed = False  # a job may still finish a frame after the window moved on
        claim_folder(self.folder, NOTE, NOTE_TEXT, "cleaned frames")
        self._scan()

    @classmethod
    def temporary_store(cls, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FrameStore:
        return cls(tempfile.mkdtemp(prefix="keyfill-frames-"), max_bytes=max_bytes, temporary=True)

    # --- frames ----------------------------------------------------------------------------
    def put(self, frame: int, key: str, image: np.ndarray) -> None:
        """Keep ``image`` (``(H, W, 3)`` uint8 RGB) as frame ``frame`` rendered under ``key``
        (nothing once the store is closed)."""
        if self._closed:
            return
        ok, data = cv2.imencode(".png", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise KeyfillError(f"Could not encode cleaned frame {frame}; check the disk and try again.")
        write_bytes_atomic(self._path(frame, key), data.tobytes())
        with self._lock:
            self._bytes -= self._files.pop((frame, key), 0)
            self._files[(frame, key)] = len(data)
            self._bytes += len(data)
            evicted = self._evict(keep=(frame, key))
        for name in evicted:
            self._path(*name).unlink(missing_ok=True)

    def get(self, frame: int, key: str) -> np.ndarray | None:
        """The frame rendered under ``key``, or None."""
        with self._lock:
            if (frame, key) not in self._files:
                return None
            self._files.move_to_end((frame, key))
        image = cv2.imread(str(self._path(frame, key)), cv2.IMREAD_COLOR)
        if image is None:  # deleted behind our back (another window's eviction, the user)
            self._forget(frame, key)
            return None
        return np.ascontiguousarray(image[:, :, ::-1])

    def has(self, frame: int, key: str) -> bool:
        with self._lock:
            return (frame, key) in self._files

    def ready(self, keys) -> set[int]:
        """Frames ``i`` stored under ``keys[i]``."""
        with self._lock:
            return {frame for frame, key in self._files if frame < len(keys) and keys[frame] == key}

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)

    # --- the folder ------------------------------------------------------------------------
    def copy_to(self, folder: str | Path, *, move: bool = False) -> FrameStore:
        """A store in ``folder`` (a new one, or one Keyfill made) with this one's frames added;
        ``move``: each file is renamed there (copied where the folders are on different disks)
        and leaves this store, which then holds no frames."""
        other = FrameStore(folder, max_bytes=self.max_bytes)
        transfer = _move_file if move else _copy_file
        with self._lock:
            names = list(self._files)
        for frame, key in names:
            source = self._path(frame, key)
            if not other.has(frame, key) and source.is_file():
                size = transfer(source, other._path(frame, key))
                with other._lock:
                    other._files[(frame, key)] = size
                    other._bytes += size
                    evicted = other._evict(keep=(frame, key))
                for name in evicted:
                    other._path(*name).unlink(missing_ok=True)
            if move:
                self._forget(frame, key)
        return other

    def clear(self) -> None:
        """Delete every frame (the files this store named; nothing else in the folder)."""
        with self._lock:
            names, self._files, self._bytes = list(self._files), OrderedDict(), 0
        for name in names:
            self._path(*name).unlink(missing_ok=True)

    def close(self) -> None:
        """Forget the index; a temporary store's folder is deleted."""
        with self._lock:
            self._files.clear()
            self._bytes = 0
            self._closed = True
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------
    def _path(self, frame: int, key: str) -> Path:
        return self.folder / f"{frame:06d}-{key}.png"

    def _scan(self) -> None:
        found = []
        for path in self.folder.iterdir():
            match = _NAME.match(path.name)
            if match and path.is_file():
                stat = path.stat()
                found.append((stat.st_mtime_ns, int(match.group(1)), match.group(2), stat.st_size))
        for _, frame, key, size in sorted(found):  # oldest first: the first to go
            self._files[(frame, key)] = size
            self._bytes += size
        for name in self._evict(keep=None):  # a smaller bound than last time
            self._path(*name).unlink(missing_ok=True)

    def _evict(self, keep) -> list[tuple[int, str]]:
        """Drop least recently used entries until under the bound (call with the lock held)."""
        gone, self._bytes = evict_least_recent(self._files, self._bytes, self.max_bytes, keep)
        return gone

    def _forget(self, frame: int, key: str) -> None:
        with self._lock:
            self._bytes -= self._files.pop((frame, key), 0)


def _copy_file(source: Path, dest: Path) -> int:
    data = source.read_bytes()
    write_bytes_atomic(dest, data)
    return len(data)


def _move_file(source: Path, dest: Path) -> int:
    size = source.stat().st_size
    try:
        os.replace(source, dest)  # the same disk: a rename, nothing copied
    except OSError:  # another disk (a temporary folder on tmpfs): copied whole, then removed
        _copy_file(source, dest)
        source.unlink(missing_ok=True)
    return size


