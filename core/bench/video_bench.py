"""Opening and scrubbing a long clip: random-access time per frame and peak memory.

The measurement runs in a fresh child process so that its peak resident memory (``ru_maxrss``)
belongs to opening and scrubbing alone, not to whatever the parent did before.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import time
from pathlib import Path

import numpy as np


def bench_scrubbing(path: Path, *, scrubs: int = 200, cache_bytes: int = 512 * 2**20, seed: int = 0) -> dict:
    """Run :func:`_scrub` in a spawned child; return its figures."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_scrub, (str(path), scrubs, cache_bytes, seed))


def _scrub(path: str, scrubs: int, cache_bytes: int, seed: int) -> dict:
    from core.video import open_clip

    rss_before = _peak_rss_mib()
    started = time.perf_counter()
    reader = open_clip(path, cache_bytes=cache_bytes)
    open_s = time.perf_counter() - started
    count = len(reader)
    indices = np.random.default_rng(seed).integers(0, count, scrubs)
    times = []
    for index in indices:
        t0 = time.perf_counter()
        reader.frame(int(index))
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    sequential = sum(1 for _ in reader.frames(0, min(count, 200)))
    sequential_fps = sequential / (time.perf_counter() - t0)
    reader.close()
    return {
        "frames": count,
        "size": f"{reader.info.width}x{reader.info.height}",
        "open_s": open_s,
        "random_ms_mean": 1000 * float(np.mean(times)),
        "random_ms_p95": 1000 * float(np.percentile(times, 95)),
        "sequential_fps": sequential_fps,
        "rss_after_imports_mib": rss_before,
        "peak_rss_mib": _peak_rss_mib(),
        "cache_mib": cache_bytes / 2**20,
    }


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024
