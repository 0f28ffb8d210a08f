"""Exporting a long clip: frames per second and peak memory of ``core.export.export_clip``.

What is measured is the export half of what a user runs: the clip is decoded in order by a
:class:`~core.video.ClipReader` (default 512 MiB frame cache, as the CLI and the window open it),
a small static box (a tenth of the width by a tenth of the height, in the middle) is filled on every
frame with :func:`core.fill.telea_fill` on the whole frame, and the frames are encoded by
:func:`core.export.export_clip` with the default settings (H.264 CRF 18, x264's medium preset,
the source's audio copied). The removal itself (the flow fill or the network) is *not* measured
here: over 1000 frames at 1080p it is too slow for a benchmark run on a few CPU cores; its speed
is in the other sections of docs/benchmarks.md.

Like the scrubbing, it runs in a fresh spawned child so that the peak resident memory (``VmHWM``,
see :mod:`core.bench.video_bench`) is the export's own. Bounded memory shows as a peak that does
not grow with the number of frames exported: :func:`memory_growth` compares an export of a prefix
of the clip with an export of the whole clip.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from core.bench.memory import peak_rss_mib


def bench_export(path: Path, *, frames: int | None = None, cache_bytes: int | None = None) -> dict:
    """Export the first ``frames`` frames of ``path`` (all when ``None``) in a spawned child.

    Returns a dict: ``frames`` (exported), ``size`` ("WxH"), ``seconds`` (wall, whole export),
    ``fps``, ``fill_s`` (of which decoding and filling) and ``encode_s`` (encoding and muxing,
    audio included), ``rss_after_imports_mib``, ``rss_mib_at`` ({percent: current RSS, MiB} at
    25/50/75/100 % of the frames), ``peak_rss_mib`` (the child's peak, MiB), ``cache_mib``,
    ``output_frames``, ``output_mib`` and ``audio`` (the export's audio codec, or ``None``).
    ``cache_bytes``: the reader's frame cache (``None``: the default the app uses).
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_export, (str(path), frames, cache_bytes))


def memory_growth(prefix: dict, whole: dict) -> dict:
    """How much the export's peak grew from the prefix to the whole clip, against what holding
    the extra frames would cost: ``growth_mib``, ``extra_frames``, ``extra_frames_mib`` (the extra
    frames as RGB) and ``bounded`` (the growth is under a tenth of that: no frames are kept)."""
    width, height = (int(v) for v in whole["size"].split("x"))
    extra = whole["frames"] - prefix["frames"]
    extra_mib = extra * width * height * 3 / 2**20
    growth = whole["peak_rss_mib"] - prefix["peak_rss_mib"]
    return {"growth_mib": growth, "extra_frames": extra, "extra_frames_mib": extra_mib,
            "bounded": growth < 0.1 * extra_mib}


def box_mask(width: int, height: int) -> np.ndarray:
    """The static hole: a box a tenth of the frame's width and height, in the middle."""
    mask = np.zeros((height, width), np.uint8)
    w, h = max(2, width // 10), max(2, height // 10)
    x, y = (width - w) // 2, (height - h) // 2
    mask[y : y + h, x : x + w] = 255
    return mask


def _export(path: str, frames: int | None, cache_bytes: int | None) -> dict:
    import av

    from core.export import ExportSettings, export_clip
    from core.fill import telea_fill
    from core.video import open_clip
    from core.video.clip_reader import DEFAULT_CACHE_BYTES

    rss_before = peak_rss_mib()
    options = {} if cache_bytes is None else {"cache_bytes": cache_bytes}
    with tempfile.TemporaryDirectory() as tmp, open_clip(path, **options) as reader:
        count = len(reader) if frames is None else min(frames, len(reader))
        info = dataclasses.replace(reader.info, frame_count=count)
        mask = box_mask(info.width, info.height)
        timer = _Timer()
        marks = {round(count * q / 4): 25 * q for q in (1, 2, 3, 4)}
        rss_at: dict[int, float] = {}

        def progress(done: int, total: int, message: str) -> None:
            if done in marks and marks[done] not in rss_at:
                rss_at[marks[done]] = _current_rss_mib()

        filled = timer.timed(telea_fill(frame, mask) for frame in reader.frames(0, count))
        dest = Path(tmp) / "export.mp4"
        started = time.perf_counter()
        export_clip(filled, info, dest, settings=ExportSettings(), progress=progress)
        seconds = time.perf_counter() - started
        peak = peak_rss_mib()
        with av.open(str(dest)) as out:
            output_frames = sum(1 for _ in out.decode(video=0))
            audio = out.streams.audio[0].codec_context.name if out.streams.audio else None
        output_mib = dest.stat().st_size / 2**20
    return {
        "frames": count,
        "size": f"{info.width}x{info.height}",
        "seconds": seconds,
        "fps": count / seconds,
        "fill_s": timer.seconds,
        "encode_s": seconds - timer.seconds,
        "rss_after_imports_mib": rss_before,
        "rss_mib_at": rss_at,
        "peak_rss_mib": peak,
        "cache_mib": (DEFAULT_CACHE_BYTES if cache_bytes is None else cache_bytes) / 2**20,
        "output_frames": output_frames,
        "output_mib": output_mib,
        "audio": audio,
    }


class _Timer:
    """Time spent producing the items of an iterable (decoding and filling, not encoding)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def timed(self, items: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        iterator = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                self.seconds += time.perf_counter() - started
            yield item


def _current_rss_mib() -> float:
    """Resident memory of this process now (``VmRSS``), MiB; 0 where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
