"""The cleaned frames of a project kept for the preview: rendered once (by the preview, the
window's Remove, an export) and shown again, during playback too, until what they were rendered
from changes.

- ``FrameStore`` (``store.py``): PNGs on disk keyed by frame and key, atomic, bounded, LRU;
- ``FrameKeys`` (``keys.py``): each frame's key, from the masks around it, the content
  keyframes, the settings and the model;
- ``CleanedFrames``: the two together for one project, with the folder beside the project
  (``<stem>.keyfill-frames``), or a temporary one while it is unsaved.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from core.cleaned_frames.keys import REACH, FrameKeys
from core.cleaned_frames.store import DEFAULT_MAX_BYTES, FrameStore
from core.errors import KeyfillError
from core.owned_folder import FolderNotOurs
from core.project import Project, ProjectEvent

FOLDER_SUFFIX = ".keyfill-frames"

__all__ = ["DEFAULT_MAX_BYTES", "FOLDER_SUFFIX", "REACH", "CleanedFrames", "FolderNotOurs", "FrameKeys",
           "FrameStore", "frames_folder", "kept_frames"]


def frames_folder(project_path: str | Path) -> Path:
    """Where a saved project's cleaned frames live: ``clip.keyfill`` -> ``clip.keyfill-frames/``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.stem + FOLDER_SUFFIX)


class CleanedFrames:
    """The cleaned frames of ``project`` that are ready; thread-safe reads and puts.

    ``get(i)`` / ``put(i, image)`` use frame ``i``'s key as the project is now; a job rendering a
    snapshot passes the snapshot's keys (``FrameKeys(snapshot).keys``) to :meth:`put`."""

    def __init__(self, project: Project, store: FrameStore | None = None, *, chosen_model=None,
                 device: str = "auto") -> None:
        self.project = project
        self.store = store if store is not None else open_store(project)
        self.frame_keys = FrameKeys(project, chosen_model, device=device)
        self._state = threading.Lock()
        self._keeping = False  # keep_beside is moving the frames (on a job's thread)
        self._closed = False

    def key(self, frame: int) -> str:
        return self.frame_keys.keys[frame]

    def keys(self) -> list[str]:
        return self.frame_keys.keys

    def frames(self) -> set[int]:
        """Frames whose cleaned version for the project as it is now is stored."""
        return self.store.ready(self.frame_keys.keys)

    def __contains__(self, frame: int) -> bool:
        keys = self.frame_keys.keys
        return 0 <= frame < len(keys) and self.store.has(frame, keys[frame])

    def get(self, frame: int, key: str | None = None) -> np.ndarray | None:
        return self.store.get(frame, key or self.key(frame))

    def put(self, frame: int, image: np.ndarray, key: str | None = None) -> None:
        self.store.put(frame, key or self.key(frame), image)

    def update(self, event: ProjectEvent | None = None) -> None:
        """The project changed: the frames it affects are no longer ready (their keys changed)."""
        self.frame_keys.update(event)

    def set_chosen_model(self, chosen_model) -> None:
        self.frame_keys.set_chosen_model(chosen_model)

    def set_device(self, device: str) -> None:
        self.frame_keys.set_device(device)

    def keep_beside(self, project_path: str | Path) -> None:
        """The project was saved at ``project_path``: its frames go along (a temporary store's are
        moved and its folder deleted; a saved project's are copied). A folder there that is not
        Keyfill's is left alone. Closing meanwhile (the window closed or opened another project)
        waits for nothing: the frames still arrive and the store closes when they have."""
        folder = frames_folder(project_path)
        with self._state:
            old = self.store
            if self._closed or self._keeping or folder.resolve() == old.folder.resolve():
                return
            self._keeping = True
        try:
            moved = old.copy_to(folder, move=old.temporary)
        except (FolderNotOurs, OSError):
            moved = None
        with self._state:
            self._keeping = False
            if moved is not None:
                self.store = moved
            closed = self._closed
        if moved is not None:
            old.close()
        if closed:
            self.store.close()

    def close(self) -> None:
        with self._state:
            self._closed = True
            if self._keeping:
                return  # keep_beside closes it when the frames are beside the project
        self.store.close()


def kept_frames(frames: Iterable[np.ndarray], put: Callable[[int, np.ndarray], None], *, start: int = 0,
                notice: Callable[[str], None] = lambda message: None) -> Iterator[np.ndarray]:
    """``frames`` (numbered from ``start``) passed on unchanged, each also kept with
    ``put(index, frame)``; a store that cannot be written (disk full) is said once through
    ``notice`` and the frames go on without it. For an export or a render that fills the store."""
    keeping = True
    for index, frame in enumerate(frames, start):
        if keeping:
            try:
                put(index, frame)
            except (OSError, KeyfillError) as exc:
                keeping = False
                notice(f"The rendered frames are not kept for the preview ({exc}).")
        yield frame


def open_store(project: Project, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FrameStore:
    """The store beside a saved project, else (unsaved, or the folder is not Keyfill's or cannot be
    written) a temporary one."""
    if project.path is not None:
        try:
            return FrameStore(frames_folder(project.path), max_bytes=max_bytes)
        except (FolderNotOurs, OSError):
            pass
    return FrameStore.temporary_store(max_bytes=max_bytes)
