"""A render's chunks as tasks on Dask distributed: a ``LocalCluster`` of this machine's cores, or
a farm's scheduler (``tcp://HOST:8786``) whose workers see the same shared folder.

The client (this process) does what needs the user's inputs once: it takes a snapshot of the
project (masks propagated, settings applied) and saves it into the render's staging folder, a
hidden folder beside the output (:func:`core.atomic_write.named_files_into`), so the output folder
must be on the shared path for a farm. Each chunk is one task (:mod:`core.farm.chunk_task`); it
writes its PNGs into the staging folder as one complete chunk. When every chunk is there, the
frames move into the output folder; until then the output folder is untouched, and a failed or
cancelled render removes the staging folder: no partial output.

Dask itself re-runs a task whose worker died (``distributed.scheduler.allowed-failures``);
``RETRIES`` more tries follow an unexpected error inside a task. One progress callback sees the
frames of all chunks (workers report each frame as an event), one cancel token stops them all:
a cancel event set on the scheduler that every running chunk checks between frames.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from distributed import Client, Event

from core.atomic_write import named_files_into
from core.errors import ExportError, KeyfillError
from core.farm.chunk_task import CHUNK_PREFIX, ChunkDone, ChunkFailed, ChunkJob, chunk_folder, run_chunk_task
from core.farm.cluster import FarmOptions, FrameEvents, check_before_any_work, connect, save_snapshot
from core.part_files import remove_path
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.render import RemovalOptions, chunks

RETRIES = 1  # more tries of a chunk after an unexpected error in it (a lost worker does not count)
POLL_SECONDS = 0.2  # how often the client looks at the tasks, the progress and the cancel token
STOP_SECONDS = 10  # waiting for running chunks to see the cancel event


@dataclass(frozen=True)
class FarmReport:
    """A finished render: its chunks (in frame order), the farm's workers and the seconds it took."""

    chunks: tuple[ChunkDone, ...]
    workers: int
    seconds: float

    @property
    def hosts(self) -> list[str]:
        return sorted({c.host for c in self.chunks})


def farm_chunks(frames: range, frame_count: int) -> list[range]:
    """``frames`` cut at the clip's chunk boundaries (multiples of ``ANCHOR_STEP``)."""
    cut = [range(max(c.start, frames.start), min(c.stop, frames.stop)) for c in chunks(frame_count)]
    return [c for c in cut if len(c)]


def render_on_farm(
    project: Project,
    frames: range,
    output: str | os.PathLike,
    *,
    farm: FarmOptions = FarmOptions(),
    options: RemovalOptions = RemovalOptions(),
    overwrite: bool = False,
    notice: Callable[[str], None] = lambda message: None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    task: Callable[[ChunkJob], ChunkDone | ChunkFailed] = run_chunk_task,
) -> FarmReport:
    """Render ``frames`` of ``project`` on Dask into the folder ``output`` as ``NNNNNN.png``.

    All or nothing: the files appear in ``output`` once every chunk is rendered (other files of
    ``output`` are never touched; one of the same name is replaced only with ``overwrite``).
    ``notice(message)``: the fill's notes from the workers, each once. ``task``: what a worker runs
    per chunk (tests inject faults through it). Raises :class:`Cancelled` when ``cancel`` is set,
    the chunk's :class:`KeyfillError` when one fails for a reason the user can fix.
    """
    began = time.monotonic()
    check_before_any_work(project, frames, options)
    pieces = farm_chunks(frames, project.clip.frame_count)
    names = [f"{i:06d}.png" for i in frames]
    topic = f"keyfill-render-{uuid.uuid4().hex}"
    options = options.with_model_file() if options.model_path is not None else options  # for every machine
    try:
        with named_files_into(output, names, overwrite=overwrite) as write:
            staging = write.folder
            snapshot_path = save_snapshot(project, staging)
            jobs = [ChunkJob(str(snapshot_path), c.start, c.stop, str(staging), options, topic) for c in pieces]
            with connect(farm, len(jobs)) as client:
                workers = len(client.scheduler_info().get("workers", {}))
                done = _run(client, jobs, task, topic, len(frames), notice, progress, cancel)
            _gather_frames(staging, [job.start for job in jobs])
            remove_path(snapshot_path)
    except OSError as error:
        raise ExportError(f"Cannot write the frames to {output} ({error.strerror or error}); nothing was "
                          "written: choose a folder you can write to (on the shared path for a farm).") from error
    return FarmReport(tuple(sorted(done, key=lambda c: c.start)), workers, time.monotonic() - began)


def _run(client: Client, jobs: Sequence[ChunkJob], task, topic: str, total: int, notice, progress: ProgressFn,
         cancel: CancelToken) -> list[ChunkDone]:
    """Submit every chunk, report the frames done over all of them, stop all on cancel or failure."""
    events = FrameEvents(client, topic)
    cancel_event = Event(topic, client=client)
    futures = [client.submit(task, job, key=f"{topic}-{job.start:06d}", retries=RETRIES, pure=False)
               for job in jobs]
    pending, done, noticed, reported = list(futures), [], set(), 0
    try:
        while pending:
            cancel.raise_if_cancelled()
            for future in [f for f in pending if f.done()]:
                pending.remove(future)
                result = future.result()  # an unexpected error after its retries: raised here
                if isinstance(result, ChunkFailed):
                    raise KeyfillError(result.message)
                done.append(result)
                events.report(result.start, result.stop - result.start)
                for message in result.notices:
                    if message not in noticed:
                        noticed.add(message)
                        notice(message)
            count = events.total
            if count > reported:
                reported = count
                progress(min(count, total), total, f"Rendered {count} of {total} frames on {len(jobs)} chunks")
            if pending:
                time.sleep(POLL_SECONDS)
    except BaseException:
        cancel_event.set()  # running chunks stop at their next frame
        client.cancel(pending, force=True)
        _wait_quietly(pending)
        raise
    finally:
        events.close()
    return done


def _wait_quietly(futures) -> None:
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and not all(f.done() or f.cancelled() for f in futures):
        time.sleep(POLL_SECONDS)


def _gather_frames(staging: Path, starts: Sequence[int]) -> None:
    """Every chunk's PNGs moved up into the staging folder, where ``named_files_into`` expects them."""
    for start in starts:
        folder = chunk_folder(staging, start)
        if not folder.is_dir():
            raise KeyfillError(f"Chunk {start} reported done but {folder.name} is missing from {staging}; "
                               "check that every worker sees the output folder at the same path.")
        for png in sorted(folder.iterdir()):
            os.replace(png, staging / png.name)
        folder.rmdir()
    for leftover in staging.glob(f".{CHUNK_PREFIX}*.part"):  # a lost worker's half-written chunk
        remove_path(leftover)
