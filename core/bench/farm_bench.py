"""The removal on Dask against the same removal in one process (``main.py bench --farm-only``).

The same clip and masks three ways, frames identical by design (chunks render alone exactly as in
the whole clip): in one process (``removed_frames``), on a ``LocalCluster`` of ``workers``
processes as ``main.py remove`` does (its start included), and as ``main.py render --scheduler``
does on a farm that is already running (a ``LocalCluster`` started beforehand; its start is given
apart). Seconds are wall-clock.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from core.farm import FarmOptions, removed_frames_on_cores, render_on_farm
from core.farm.cluster import local_cluster
from core.project import MaskKind, new_project
from core.project.from_clip import clip_ref
from core.render import RemovalOptions, removed_frames
from core.video import open_clip, probe


def farm_speed(clip: Path, masks: Sequence[np.ndarray], *, workers: int = 2, method: str = "flow") -> list[dict]:
    """Rows ``{"how", "workers", "frames", "seconds", "start_seconds"}`` for the clip's first
    ``len(masks)`` frames with ``masks`` removed."""
    project = new_project(clip_ref(probe(clip)))
    count = min(len(masks), project.clip.frame_count)
    object_id = project.objects[0].id
    for i in range(count):
        project.set_mask(object_id, i, masks[i], MaskKind.KEYFRAME)
    if count < project.clip.frame_count:
        raise ValueError(f"{clip.name} has {project.clip.frame_count} frames; give a mask for each")
    options = RemovalOptions(method)
    rows = []
    with open_clip(clip) as reader:
        began = time.perf_counter()
        for _ in removed_frames(project, reader.frame, options):
            pass
        rows.append(_row("one process", 1, count, time.perf_counter() - began))
    began = time.perf_counter()
    for _ in removed_frames_on_cores(project, options, workers=workers):
        pass
    rows.append(_row("LocalCluster, started by the command (main.py remove)", workers, count,
                     time.perf_counter() - began))
    began = time.perf_counter()
    with local_cluster(workers) as cluster, tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter() - began
        began = time.perf_counter()
        render_on_farm(project, range(count), Path(folder) / "out", farm=FarmOptions(scheduler=cluster.scheduler_address),
                       options=options)
        rows.append(_row("running Dask cluster, PNGs (main.py render --scheduler)", workers, count,
                         time.perf_counter() - began, started))
    return rows


def _row(how: str, workers: int, frames: int, seconds: float, start_seconds: float | None = None) -> dict:
    return dict(how=how, workers=workers, frames=frames, seconds=seconds, start_seconds=start_seconds)
