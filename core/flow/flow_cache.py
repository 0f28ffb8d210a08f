"""One flow cache per clip: the DIS flows of its frame pairs, computed once and shared by
rotoscoping and removal, and kept beside a saved project so that reopening it does not compute them
again (issue 14).

The rules, stated once:

- A pair's flows (both directions, on the working grid, as :class:`core.flow.FlowField` keeps
  them) are keyed by the clip's identity (:func:`clip_identity`: its path, size and time written,
  its frame size and count), the pair, the working size and :data:`FLOW_SETTINGS` (DIS preset,
  file format). A clip changed on disk has another identity: its old flows are never read.
- In memory: the last :data:`MEMORY_PAIRS` pairs (fewer when they would pass
  :data:`MEMORY_BYTES`: a large working width), float32 exactly as computed
  (:class:`core.lru.LRUCache`), with their forward-backward consistency once a field has
  computed it (5 % of a re-propagation's time when it was computed again).
- On disk, for a saved project: ``<stem>.keyfill-flows/`` beside it, one file per pair, the flows
  in 1/32 working pixels as int16 (an error of at most 1/64 px), zlib level 1: about 0.1 MB a pair
  at 480x270, ten times smaller than float16 npz and written seven times faster (measured:
  docs/benchmarks.md). Written atomically (:mod:`core.atomic_write`); at most ``max_bytes``, the
  least recently used first; files of another clip (the project was relinked) are deleted when
  the folder is opened. A ``KEYFILL-FLOWS`` note marks the folder as Keyfill's; a folder of that
  name without it is the user's and is not used. Only files this cache names are ever deleted.
- Frames that are not the clip's own pixels (a removal's content keyframes) are not the clip:
  a :class:`~core.flow.FlowField` given ``unshared`` frames computes their pairs itself.
- :func:`clip_flows` keeps one cache per clip in the process, so the window's propagation, its
  removal and its preview, and ``main.py remove --propagate``, share the same flows. It is made by
  whoever reads the clip's own decoded frames (the window's jobs, the CLI's propagation); a
  removal only looks it up (:func:`kept_flows`), since an evaluation or a trainer may hand a
  project's renderer other frames than its clip's.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np

from core.atomic_write import write_bytes_atomic
from core.lru import LRUCache, evict_least_recent
from core.owned_folder import FolderNotOurs, claim_folder

FLOW_SETTINGS = "dis-medium int16/32 v1"  # what a flow file holds; another value: other files
FOLDER_SUFFIX = ".keyfill-flows"
NOTE = "KEYFILL-FLOWS"
NOTE_TEXT = ("Optical flows Keyfill keeps for a project (rotoscoping and removal). Safe to delete: "
             "they are computed again when needed.\n")
MEMORY_PAIRS = 128  # ~2 MB a pair at 480x270 (both flows and consistencies): ~270 MB
MEMORY_BYTES = 320 * 2**20  # pairs kept in memory at most this large
DEFAULT_MAX_BYTES = 1 * 2**30  # about 10,000 pairs at 480x270
CLIPS_KEPT = 4  # clips whose caches the process keeps (the window's project, a CLI run)
SUBPIXELS = 32  # a flow file's unit: 1/32 working pixel
_LIMIT = np.iinfo(np.int16).max / SUBPIXELS  # ±1023 working pixels: larger motions are cut there
_NAME = re.compile(r"^([0-9a-f]{16})-(\d+)x(\d+)-(\d{6,})-(\d{6,})\.flow$")

Pair = tuple[np.ndarray, np.ndarray, dict]  # low -> high, high -> low ((h, w, 2) float32), consistency


class FlowCache:
    """The flows of one clip's frame pairs, in memory and (``folder`` given) on disk. Thread-safe.

    clip_id: :func:`clip_identity` of the clip; frame_size: its ``(width, height)`` in pixels
    (a :class:`~core.flow.FlowField` over frames of another size does not use the cache).
    """

    def __init__(self, clip_id: str, frame_size: tuple[int, int], folder: str | Path | None = None, *,
                 memory_pairs: int = MEMORY_PAIRS, memory_bytes: int = MEMORY_BYTES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.clip_id = clip_id
        self.frame_size = tuple(frame_size)
        self.max_bytes = int(max_bytes)
        self._memory: LRUCache[tuple[int, int, tuple[int, int]], Pair] = LRUCache(memory_pairs)
        self._memory_bytes = memory_bytes
        self._lock = threading.Lock()
        self._files: OrderedDict[str, int] = OrderedDict()  # name -> bytes, least recently used first
        self._bytes = 0
        self.folder: Path | None = None
        self.pairs_read = 0  # pairs found on disk; for tests and statistics
        self.pairs_stored = 0  # pairs computed by a FlowField and handed to the cache
        if folder is not None:
            self.use_folder(folder)

    def get(self, low: int, high: int, size: tuple[int, int]) -> Pair | None:
        """The flows of frames ``low < high`` on the working grid ``size = (w, h)`` and the dict of
        their consistencies (``{is forward: (h, w) float32}``, filled by whoever computes one), or None."""
        key = (low, high, tuple(size))
        found = self._memory.get(key)
        if found is not None:
            return found
        found = self._read(key)
        return None if found is None else self._memory.put(key, found)

    def put(self, low: int, high: int, size: tuple[int, int], forward: np.ndarray, backward: np.ndarray,
            consistency: dict | None = None) -> None:
        """Keep the flows of ``low < high`` (``(h, w, 2)`` float32 working-grid pixels each) and the
        dict their consistencies go in (kept in memory only)."""
        key = (low, high, tuple(size))
        pair_bytes = 3 * forward.nbytes  # two flows, two consistencies of half their size
        self._memory.max_items = max(2, min(self._memory.max_items, self._memory_bytes // pair_bytes))
        self._memory.put(key, (forward, backward, {} if consistency is None else consistency))
        with self._lock:
            self.pairs_stored += 1
        self._write(key, forward, backward)

    def use_folder(self, folder: str | Path) -> None:
        """Keep the flows in ``folder`` from now on (a project saved for the first time or under
        another name); the pairs in memory are written there. FolderNotOurs (nothing changed) when
        the folder holds files Keyfill did not write; OSError when it cannot be made."""
        folder = Path(folder)
        if self.folder is not None and folder.resolve() == self.folder.resolve():
            return
        claim_folder(folder, NOTE, NOTE_TEXT, "flows")
        files, total = _scan(folder, self.clip_id)
        with self._lock:
            self.folder, self._files, self._bytes = folder, files, total
            evicted = self._evict(keep=None)  # a smaller bound than last time
        self._delete(folder, evicted)
        for key, (forward, backward, _) in self._memory.items():
            self._write(key, forward, backward)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    # --- helpers ---------------------------------------------------------------------------
    def _name(self, key: tuple[int, int, tuple[int, int]]) -> str:
        low, high, (width, height) = key
        return f"{self.clip_id}-{width}x{height}-{low:06d}-{high:06d}.flow"

    def _read(self, key) -> Pair | None:
        folder, name = self.folder, self._name(key)
        if folder is None:
            return None
        with self._lock:
            if name not in self._files:
                return None
            self._files.move_to_end(name)
        width, height = key[2]
        try:
            data = np.frombuffer(zlib.decompress((folder / name).read_bytes()), np.int16)
        except (OSError, zlib.error):
            data = None
        if data is None or data.size != 2 * height * width * 2:  # deleted or damaged: computed again
            with self._lock:
                self._bytes -= self._files.pop(name, 0)
            return None
        flows = data.reshape(2, height, width, 2).astype(np.float32) * np.float32(1 / SUBPIXELS)
        with self._lock:
            self.pairs_read += 1
        return flows[0], flows[1], {}

    def _write(self, key, forward: np.ndarray, backward: np.ndarray) -> None:
        folder, name = self.folder, self._name(key)
        if folder is None:
            return
        with self._lock:
            if name in self._files:
                return
        both = np.clip(np.stack([forward, backward]), -_LIMIT, _LIMIT) * SUBPIXELS
        data = zlib.compress(np.round(both).astype(np.int16).tobytes(), 1)
        try:
            write_bytes_atomic(folder / name, data)
        except OSError:  # a full or read-only disk: the flows stay in memory only
            return
        with self._lock:
            self._bytes += len(data) - self._files.pop(name, 0)
            self._files[name] = len(data)
            evicted = self._evict(keep=name)
        self._delete(folder, evicted)

    def _evict(self, keep: str | None) -> list[str]:
        """Drop least recently used files until under the bound (call with the lock held)."""
        gone, self._bytes = evict_least_recent(self._files, self._bytes, self.max_bytes, keep)
        return gone

    @staticmethod
    def _delete(folder: Path, names: list[str]) -> None:
        for name in names:
            (folder / name).unlink(missing_ok=True)


def clip_identity(path: str | Path, frame_size: tuple[int, int], frame_count: int) -> str:
    """16 hex digits naming a clip as it is on disk: its resolved path, file size and time written
    (an image folder: the folder's time and its number of entries), frame size and count."""
    path = Path(path)
    try:
        stat = path.stat()
        written = (stat.st_size, stat.st_mtime_ns) if path.is_file() else (len(os.listdir(path)), stat.st_mtime_ns)
    except OSError:
        written = None
    parts = repr((str(path.resolve()), written, tuple(frame_size), frame_count, FLOW_SETTINGS))
    return hashlib.blake2b(parts.encode(), digest_size=8).hexdigest()


def flows_folder(project_path: str | Path) -> Path:
    """Where a saved project's flows live: ``clip.keyfill`` -> ``clip.keyfill-flows/``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.stem + FOLDER_SUFFIX)


_kept: LRUCache[str, FlowCache] = LRUCache(CLIPS_KEPT)


def clip_flows(clip_path: str | Path, frame_size: tuple[int, int], frame_count: int,
               project_path: str | Path | None = None) -> FlowCache:
    """The process's flow cache of a clip (one per clip identity), kept beside ``project_path``
    when the project is saved (memory only when not, or when the folder is not Keyfill's or
    cannot be written)."""
    clip_id = clip_identity(clip_path, frame_size, frame_count)
    cache = _kept.made(clip_id, lambda: FlowCache(clip_id, frame_size))
    if project_path is not None:
        try:
            cache.use_folder(flows_folder(project_path))
        except (FolderNotOurs, OSError):
            pass
    return cache


def project_flows(project) -> FlowCache:
    """:func:`clip_flows` of a :class:`core.project.Project`'s clip, beside the project once saved."""
    clip = project.clip
    return clip_flows(clip.path, (clip.width, clip.height), clip.frame_count, project.path)


def kept_flows(project) -> FlowCache | None:
    """The cache :func:`project_flows` made for the project's clip in this process, or None."""
    clip = project.clip
    return _kept.get(clip_identity(clip.path, (clip.width, clip.height), clip.frame_count))


def forget_flow_caches() -> None:
    """Drop every clip's cache kept in the process (the files on disk stay)."""
    _kept.clear()


def _scan(folder: Path, clip_id: str) -> tuple[OrderedDict[str, int], int]:
    """The folder's flow files of ``clip_id``, oldest first; those of another clip are deleted."""
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or not path.is_file():
            continue
        if match.group(1) != clip_id:
            path.unlink(missing_ok=True)
            continue
        stat = path.stat()
        found.append((stat.st_mtime_ns, path.name, stat.st_size))
    files = OrderedDict((name, size) for _, name, size in sorted(found))
    return files, sum(files.values())


