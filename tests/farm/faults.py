"""Chunk tasks that fail the way a farm does, importable by the Dask workers of the tests."""

import os
from pathlib import Path

from core.farm import run_chunk_task


def worker_dies_once(job):
    """The first try of the chunk starting at frame 20 kills its worker process halfway through
    (a machine of the farm lost); every other try renders normally."""
    marker = Path(job.folder).parent / f"died-{job.start}"
    if job.start == 20 and not marker.exists():
        marker.write_text("")
        os._exit(1)
    return run_chunk_task(job)
