"""The whole clip's removal on every core of this machine, as frames in order for the encoder.

The clip's 20-frame chunks render side by side in a ``LocalCluster`` of one process per core
(processes, not threads: the fills are numpy and Python between the OpenCV calls, so threads would
wait on the GIL); each chunk renders alone exactly as in the whole clip, so the frames are the same
as :func:`core.render.removed_frames` gives in one process. Chunks come back as arrays and are
yielded in frame order; at most one chunk more than there are workers is asked for ahead of the
one being yielded, which bounds the memory. One ``progress`` counts the frames rendered over all
chunks; ``cancel`` (or closing the iterator) stops every chunk and the processes.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Iterator

import numpy as np
from distributed import Event

from core.errors import KeyfillError
from core.farm.chunk_task import ChunkFailed, ChunkJob, chunk_frames_task
from core.farm.cluster import (FarmOptions, FrameEvents, check_before_any_work, connect, local_workers,
                               save_snapshot)
from core.farm.farm_render import POLL_SECONDS, RETRIES, farm_chunks
from core.part_files import part_prefix, remove_path
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.render import RemovalOptions


def removed_frames_on_cores(
    project: Project,
    options: RemovalOptions = RemovalOptions(),
    *,
    workers: int | None = None,
    notice=lambda message: None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[np.ndarray]:
    """The cleaned clip (``(H, W, 3)`` uint8 RGB frames in order), rendered by ``workers``
    processes (default: one per core), with ``options`` as :func:`core.render.removed_frames`
    takes them (a relative ``model_path`` is resolved here, for the workers). Raises
    :class:`core.errors.MaskError` / :class:`core.errors.ModelError` here, before any work, as
    ``removed_frames`` does."""
    frames = range(project.clip.frame_count)
    check_before_any_work(project, frames, options)
    pieces = farm_chunks(frames, len(frames))
    options = options.with_model_file() if options.model_path is not None else options
    return _frames(project, pieces, local_workers(workers, len(pieces)), options, notice, progress, cancel)


def _frames(project, pieces, workers, options, notice, progress, cancel) -> Iterator[np.ndarray]:
    folder = Path(tempfile.mkdtemp(prefix=part_prefix("keyfill-cores"), suffix=".part"))
    topic = f"keyfill-cores-{uuid.uuid4().hex}"
    total, noticed, reported = pieces[-1].stop, set(), 0
    try:
        snapshot_path = str(save_snapshot(project, folder))
        jobs = deque(ChunkJob(snapshot_path, c.start, c.stop, str(folder), options, topic=topic) for c in pieces)
        with connect(FarmOptions(workers=workers), len(pieces)) as client:
            events, stop_all = FrameEvents(client, topic), Event(topic, client=client)
            ahead = deque()
            try:
                while jobs or ahead:
                    while jobs and len(ahead) <= workers:
                        job = jobs.popleft()
                        ahead.append(client.submit(chunk_frames_task, job, key=f"{topic}-{job.start:06d}",
                                                   retries=RETRIES, pure=False))
                    while not ahead[0].done():
                        cancel.raise_if_cancelled()
                        reported = _report(events.total, reported, total, progress)
                        time.sleep(POLL_SECONDS)
                    result = ahead.popleft().result()
                    if isinstance(result, ChunkFailed):
                        raise KeyfillError(result.message)
                    events.report(result.start, result.stop - result.start)
                    reported = _report(events.total, reported, total, progress)
                    for message in result.notices:
                        if message not in noticed:
                            noticed.add(message)
                            notice(message)
                    for frame in result.frames:
                        cancel.raise_if_cancelled()
                        yield frame
            except BaseException:
                stop_all.set()
                client.cancel(list(ahead), force=True)
                raise
            finally:
                events.close()
    finally:
        remove_path(folder)


def _report(count: int, reported: int, total: int, progress: ProgressFn) -> int:
    if count > reported:
        progress(min(count, total), total, f"Rendered {count} of {total} frames")
    return max(count, reported)
