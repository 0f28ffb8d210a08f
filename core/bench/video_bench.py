"""Opening and scrubbing a long clip: random-access time per frame and peak memory.

The measurement runs in a fresh child process so that its peak resident memory belongs to opening
and scrubbing alone, not to whatever the parent did before. On Linux that peak is read from
``VmHWM`` in ``/proc/self/status`` (the high-water mark of the child's own address space):
``ru_maxrss`` survives ``execve``, so a spawned child's ``ru_maxrss`` starts at the RSS of the
parent it was forked from (the benchmark's parent has PyTorch loaded and has just encoded a 1080p
clip) and would report the parent's memory, not the scrubbing's.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from core.bench.memory import peak_rss_mib

import numpy as np


def bench_scrubbing(path: Path, *, scrubs: int = 200, cache_bytes: int = 512 * 2**20, seed: int = 0) -> dict:
    """Open ``path``, read ``scrubs`` random frames, then decode 200 frames in order, in a spawned child.

    Returns a dict: ``frames``, ``size`` ("WxH"), ``open_s`` (seconds), ``random_ms_mean`` and
    ``random_ms_p95`` (milliseconds per random frame), ``sequential_fps`` (frames per second,
    fresh reader), ``rss_after_imports_mib`` and ``peak_rss_mib`` (the child's peak resident
    memory before opening and after the random reads, MiB) and ``cache_mib`` (the frame cache's bound, MiB).
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_scrub, (str(path), scrubs, cache_bytes, seed))


def _scrub(path: str, scrubs: int, cache_bytes: int, seed: int) -> dict:
    from core.video import open_clip

    rss_before = peak_rss_mib()
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
    peak_rss = peak_rss_mib()
    reader.close()
    # A fresh reader: frames the scrubbing left in the cache would flatter sequential decoding.
    with open_clip(path, cache_bytes=cache_bytes) as reader:
        t0 = time.perf_counter()
        sequential = sum(1 for _ in reader.frames(0, min(count, 200)))
        sequential_fps = sequential / (time.perf_counter() - t0)
    return {
        "frames": count,
        "size": f"{reader.info.width}x{reader.info.height}",
        "open_s": open_s,
        "random_ms_mean": 1000 * float(np.mean(times)),
        "random_ms_p95": 1000 * float(np.percentile(times, 95)),
        "sequential_fps": sequential_fps,
        "rss_after_imports_mib": rss_before,
        "peak_rss_mib": peak_rss,
        "cache_mib": cache_bytes / 2**20,
    }
