"""Rendering a clip's independent chunks in parallel on Dask distributed: this machine's cores
(a ``LocalCluster``) or a render farm (``dask scheduler`` / ``dask worker`` on a shared folder).

- ``render_on_farm(project, frames, output, farm=FarmOptions(...))``: the frames as PNGs, all or none;
- ``removed_frames_on_cores(project)``: the whole clip's frames in order, from every core;
- ``render_chunk(job)``: one chunk, as a worker renders it (also without Dask).
"""

from core.farm.chunk_task import ChunkDone, ChunkFailed, ChunkJob, render_chunk, run_chunk_task, write_png
from core.farm.cluster import FarmOptions
from core.farm.farm_render import FarmReport, farm_chunks, render_on_farm
from core.farm.on_cores import removed_frames_on_cores

__all__ = ["ChunkDone", "ChunkFailed", "ChunkJob", "FarmOptions", "FarmReport", "farm_chunks", "render_chunk",
           "render_on_farm", "removed_frames_on_cores", "run_chunk_task", "write_png"]
