"""One chunk of a render, as a Dask worker runs it: a project on the shared path in, PNGs out.

A chunk is ``ANCHOR_STEP`` frames starting at a multiple of it (:func:`core.render.chunks`): it
renders alone exactly as in the whole clip, so any worker may take any chunk, and a chunk lost with
its worker is simply rendered again. Its frames are written into a hidden folder inside the
render's staging folder and renamed to ``chunk-NNNNNN`` in one step when all are written
(:func:`write_chunk`): the staging folder holds whole chunks or nothing of a chunk, whatever
happens to the worker.

The worker reads the clip and the project from the paths in :class:`ChunkJob`, which every machine
of the farm must see at the same place (a shared folder). Problems the user can fix come back as
:class:`ChunkFailed` with their one-line message (not retried); anything else is an exception that
Dask retries on another worker.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np
from distributed import Event, get_worker

from core.errors import ExportError, KeyfillError
from core.part_files import part_prefix, remove_path
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import load_project
from core.render import RemovalOptions, removed_frames
from core.video import open_clip

CHUNK_PREFIX = "chunk-"


@dataclass(frozen=True)
class ChunkJob:
    """What a worker needs to render frames ``start..stop-1``; plain values, cheap to send.

    project: the render's ``.keyfill`` snapshot (shared path); folder: the staging folder the chunk
    goes into (shared path); options: the removal's, as ``main.py render`` makes them (the
    model an absolute path or ``None``); topic: the render's name for its progress events and
    its cancel event on the Dask scheduler.
    """

    project: str
    start: int
    stop: int
    folder: str
    options: RemovalOptions = RemovalOptions()
    topic: str = ""

    @property
    def frames(self) -> range:
        return range(self.start, self.stop)


@dataclass(frozen=True)
class ChunkDone:
    """A chunk written: where, by whom, how long it took, and the fill's notices (e.g. no model)."""

    start: int
    stop: int
    seconds: float
    host: str
    notices: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ChunkFailed:
    """A chunk that cannot render for a reason the user must fix (one-line message); not retried."""

    start: int
    message: str


@dataclass(frozen=True)
class ChunkFrames:
    """A chunk rendered into memory (for a clip being encoded on the client): its frames in order."""

    start: int
    stop: int
    frames: tuple[np.ndarray, ...]
    seconds: float
    host: str
    notices: tuple[str, ...] = field(default=())


def run_chunk_task(job: ChunkJob) -> ChunkDone | ChunkFailed:
    """The Dask task of a render into files: :func:`render_chunk` reporting frames to the client
    as events on ``job.topic`` and stopping once the render's cancel event is set."""
    return _as_task(render_chunk, job)


def chunk_frames_task(job: ChunkJob) -> ChunkFrames | ChunkFailed:
    """The Dask task of a render into memory: :func:`render_chunk_frames`, as :func:`run_chunk_task`."""
    return _as_task(render_chunk_frames, job)


def render_chunk(job: ChunkJob, *, progress: ProgressFn = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> ChunkDone:
    """Render ``job``'s frames and write them as ``job.folder/chunk-NNNNNN/NNNNNN.png``."""
    began, notices = time.monotonic(), []
    write_chunk(Path(job.folder), job.start, zip(job.frames, _cleaned(job, notices, progress, cancel)),
                cancel=cancel)
    return ChunkDone(job.start, job.stop, time.monotonic() - began, socket.gethostname(),
                     tuple(dict.fromkeys(notices)))


def render_chunk_frames(job: ChunkJob, *, progress: ProgressFn = no_progress,
                        cancel: CancelToken = NEVER_CANCELLED) -> ChunkFrames:
    """Render ``job``'s frames into memory (``(H, W, 3)`` uint8 RGB each)."""
    began, notices = time.monotonic(), []
    frames = tuple(_cleaned(job, notices, progress, cancel))
    return ChunkFrames(job.start, job.stop, frames, time.monotonic() - began, socket.gethostname(),
                       tuple(dict.fromkeys(notices)))


def _cleaned(job: ChunkJob, notices: list[str], progress: ProgressFn, cancel: CancelToken) -> Iterator[np.ndarray]:
    project = load_project(job.project)
    with open_clip(project.clip.path) as reader:
        yield from removed_frames(project, reader.frame, job.options, start=job.start, stop=job.stop,
                                  notice=notices.append, progress=progress, cancel=cancel)


def _as_task(render, job: ChunkJob):
    """``render(job, progress=..., cancel=...)`` on a Dask worker: each frame an event on
    ``job.topic``, the render's cancel event checked between frames, user errors returned."""
    worker = get_worker()

    def progress(done: int, total: int, message: str = "") -> None:
        worker.log_event(job.topic, {"start": job.start, "done": done})

    try:
        return render(job, progress=progress, cancel=EventCancel(job.topic))
    except KeyfillError as error:  # Cancelled too: the client is gone or has stopped
        return ChunkFailed(job.start, str(error))


def chunk_folder(folder: Path, start: int) -> Path:
    """Where the chunk starting at frame ``start`` lies once written."""
    return folder / f"{CHUNK_PREFIX}{start:06d}"


def write_chunk(folder: Path, start: int, frames: Iterable[tuple[int, np.ndarray]], *,
                cancel: CancelToken = NEVER_CANCELLED) -> Path:
    """``(index, frame)`` pairs as ``NNNNNN.png`` files, appearing in ``folder`` all at once as
    :func:`chunk_folder`; a chunk written before (a retry) is replaced. ``folder`` must exist:
    a render that was cancelled and removed it is not brought back."""
    final = chunk_folder(folder, start)
    part = Path(tempfile.mkdtemp(prefix=part_prefix(final.name), suffix=".part", dir=folder))
    try:
        for index, frame in frames:
            write_png(part / f"{index:06d}.png", frame)
        cancel.raise_if_cancelled()
        if final.exists():  # an earlier try of this chunk got this far before its worker was lost
            remove_path(final)
        os.rename(part, final)
    except BaseException:
        remove_path(part)
        raise
    return final


def write_png(path: Path, frame: np.ndarray) -> None:
    """``(H, W, 3)`` uint8 RGB to a lossless PNG (``path`` is in a temporary folder)."""
    ok, data = cv2.imencode(".png", np.ascontiguousarray(frame[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ExportError(f"Could not encode {path.name}; check the disk and try again.")
    path.write_bytes(data.tobytes())


class EventCancel(CancelToken):
    """A cancel token set from the client: the render's Dask ``Event`` named ``topic``."""

    def __init__(self, topic: str) -> None:
        super().__init__()
        self._remote = Event(topic)

    @property
    def cancelled(self) -> bool:
        return super().cancelled or self._remote.is_set()

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            self.cancel()
        super().raise_if_cancelled()
