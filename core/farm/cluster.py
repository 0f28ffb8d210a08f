"""What the farm's two kinds of render share: the Dask client (a farm's scheduler or a
``LocalCluster`` of this machine's cores), the frames done over all chunks, the checks made
before any work, and the project snapshot the workers read."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from distributed import Client, LocalCluster

from core.errors import KeyfillError
from core.project import Project, save_project
from core.project_snapshot import snapshot
from core.render import RemovalOptions, check_every_frame_has_a_mask, load_removal_model

CONNECT_SECONDS = 20  # waiting for a farm's scheduler
SNAPSHOT_NAME = "project.keyfill"


@dataclass(frozen=True)
class FarmOptions:
    """Where the chunks run: ``scheduler`` a Dask address (``tcp://HOST:8786``), or ``None`` for a
    ``LocalCluster`` of ``workers`` processes (default: one per core, at most one per chunk)."""

    scheduler: str | None = None
    workers: int | None = None


@contextlib.contextmanager
def connect(farm: FarmOptions, chunk_count: int) -> Iterator[Client]:
    """A Dask client on the farm's scheduler, or on a ``LocalCluster`` closed (its worker
    processes ended) on the way out."""
    if farm.scheduler:
        try:
            client = Client(farm.scheduler, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as error:
            raise KeyfillError(f"Cannot reach the Dask scheduler at {farm.scheduler} ({error}); start it with "
                               "'dask scheduler' and its workers with 'dask worker ADDRESS', or drop --scheduler "
                               "to render on this machine.") from None
        with client:
            yield client
        return
    with local_cluster(local_workers(farm.workers, chunk_count)) as cluster, Client(cluster) as client:
        yield client


def local_workers(workers: int | None, chunk_count: int) -> int:
    """Worker processes for this machine: ``workers`` or one per core, at most one per chunk."""
    return max(1, min(workers or os.cpu_count() or 1, chunk_count))


def local_cluster(workers: int) -> LocalCluster:
    """``workers`` processes of one thread each (torch and OpenCV then use one core each, as the
    Dask nanny sets ``OMP_NUM_THREADS=1``), no dashboard, on ports nobody else holds."""
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                        scheduler_kwargs={"dashboard": False}, silence_logs=logging.ERROR)


class FrameEvents:
    """Frames rendered so far over all chunks, from the workers' events on ``topic`` (a chunk's
    count never goes back, even when a lost worker's chunk starts again elsewhere)."""

    def __init__(self, client: Client, topic: str) -> None:
        self._client, self._topic = client, topic
        self._done: dict[int, int] = {}
        self._lock = threading.Lock()
        client.subscribe_topic(topic, self._on_event)

    def _on_event(self, event) -> None:  # on the client's event loop thread
        message = event[1] if isinstance(event, tuple) else event
        self.report(message["start"], message["done"])

    def report(self, start: int, done: int) -> None:
        with self._lock:
            self._done[start] = max(self._done.get(start, 0), done)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._done.values())

    def close(self) -> None:
        self._client.unsubscribe_topic(self._topic)


def check_before_any_work(project: Project, frames: range, options: RemovalOptions) -> None:
    """What every chunk would refuse, refused before a cluster starts: frames without a mask, and
    for ``network`` a checkpoint that does not load (loaded once on the CPU to find out)."""
    check_every_frame_has_a_mask(project, frames)
    if options.for_project(project).method == "network":
        load_removal_model(options.model_path, device="cpu")


def save_snapshot(project: Project, folder: Path) -> Path:
    """A copy of ``project`` as the workers will read it (``project`` itself is left as it was)."""
    return save_project(snapshot(project), folder / SNAPSHOT_NAME)
