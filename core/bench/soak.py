"""A soak test: many random scrubs and preview requests, as a user working on a clip makes them.

It runs what the window runs, without Qt: a decoding thread and a preview thread, each with its
own clip reader, each serving only the newest request (older ones are dropped, as the window's
``LatestRequestWorker`` does). The scrubbing thread jumps to random frames and waits for each
frame to show; every ``pause_every`` scrubs it waits for the preview too (the user stops to look),
and every ``edit_every`` scrubs it edits a mask (the preview's renderer drops what the mask fed).

What it reports is what would grow if something leaked: resident memory, threads and open file
descriptors, measured after a warm-up (caches filled, flows computed) and at the end.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from core.progress import ProgressFn, no_progress


def soak(clip: Path, *, scrubs: int = 1000, pause_every: int = 10, edit_every: int = 100,
         warmup: int = 50, method: str = "flow", seed: int = 0, cache_bytes: int = 512 * 2**20,
         progress: ProgressFn = no_progress) -> dict:
    """Scrub ``clip`` ``scrubs`` times with preview requests; returns the figures (a dict).

    The object is a box moving across the frame, masked on every frame. Keys: ``scrubs``,
    ``previews`` (rendered), ``dropped`` (stale requests never rendered), ``edits``, ``seconds``,
    ``preview_ms_mean`` / ``preview_ms_p95`` (per rendered preview), and for ``start`` (after
    imports), ``warm`` (after ``warmup`` scrubs), ``at<n>`` (after a quarter, half and three
    quarters of the scrubs) and ``end`` (after the last scrub, collected): ``rss_mib_*``,
    ``threads_*`` (OS threads of the process), ``fds_*`` (open descriptors), plus ``peak_rss_mib``.
    """
    from core.project.from_clip import clip_ref
    from core.project import new_project
    from core.render.options import RemovalOptions
    from core.render.removal_renderer import RemovalRenderer
    from core.video import open_clip, probe

    rng = np.random.default_rng(seed)
    info = probe(clip)
    project = new_project(clip_ref(info))
    object_id = project.objects[0].id
    for frame in range(info.frame_count):
        project.set_mask(object_id, frame, _box(info.width, info.height, frame))
    figures = {"start": _process_figures()}
    project_lock = threading.Lock()  # edits on the scrubbing thread, reads on the preview thread

    def make_decoder():
        reader = open_clip(clip, cache_bytes=cache_bytes)
        return reader.frame, reader.close

    def make_preview():
        reader = open_clip(clip, cache_bytes=cache_bytes)
        renderer = RemovalRenderer(project, reader.frame, RemovalOptions(method))

        def render(request):
            index, invalidate = request
            with project_lock:
                if invalidate:
                    renderer.invalidate()
                return renderer.render_frame(index)

        return render, lambda: (renderer.close(), reader.close())

    decoder = _LatestRequestThread("soak-decoder", make_decoder)
    preview = _LatestRequestThread("soak-preview", make_preview)
    checkpoints = {scrubs * q // 4 for q in (1, 2, 3)}  # to tell a plateau from a steady climb
    started = time.perf_counter()
    edits, masks_changed = 0, False
    try:
        for done in range(1, scrubs + 1):
            index = int(rng.integers(0, info.frame_count))
            decoder.submit(index).wait()
            request = preview.submit((index, masks_changed))
            masks_changed = False
            if done % pause_every == 0:
                request.wait()
            if done % edit_every == 0:
                edited = int(rng.integers(0, info.frame_count))
                with project_lock:
                    project.set_mask(object_id, edited, _box(info.width, info.height, edited, grow=done // edit_every))
                masks_changed, edits = True, edits + 1
            if done == warmup:
                figures["warm"] = _process_figures()
            if done in checkpoints:
                figures[f"at{done}"] = _process_figures()
            progress(done, scrubs, f"soak: scrub {done} of {scrubs}")
        preview.submit((0, False)).wait()
    finally:
        decoder.stop()
        preview.stop()
    seconds = time.perf_counter() - started
    gc.collect()
    figures["end"] = _process_figures()
    figures.setdefault("warm", figures["start"])
    times = preview.handle_seconds or [0.0]
    result = {
        "clip": f"{info.width}x{info.height}, {info.frame_count} frames", "method": method,
        "scrubs": scrubs, "previews": len(preview.handle_seconds), "dropped": preview.dropped,
        "edits": edits, "seconds": seconds,
        "preview_ms_mean": 1000 * float(np.mean(times)), "preview_ms_p95": 1000 * float(np.percentile(times, 95)),
        "peak_rss_mib": _status_mib("VmHWM"),
    }
    for stage, values in figures.items():
        for key, value in values.items():
            result[f"{key}_{stage}"] = value
    return result


class _LatestRequestThread:
    """One worker thread serving the newest request; ``make()`` runs on it and returns
    ``(handle, close)``. ``submit`` returns an event set when that request is served or dropped."""

    def __init__(self, name: str, make: Callable[[], tuple[Callable, Callable]]) -> None:
        self.handle_seconds: list[float] = []
        self.dropped = 0
        self._make = make
        self._condition = threading.Condition()
        self._pending: tuple[object, threading.Event] | None = None
        self._stopping = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, request) -> threading.Event:
        done = threading.Event()
        with self._condition:
            if self._error is not None:
                raise self._error
            if self._pending is not None:
                self.dropped += 1
                self._pending[1].set()
            self._pending = (request, done)
            self._condition.notify()
        return done

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        handle = close = done = None
        try:
            handle, close = self._make()
            while True:
                with self._condition:
                    while self._pending is None and not self._stopping:
                        self._condition.wait()
                    if self._stopping:
                        return
                    (request, done), self._pending = self._pending, None
                t0 = time.perf_counter()
                handle(request)
                self.handle_seconds.append(time.perf_counter() - t0)
                done.set()
        except BaseException as exc:  # reported to the submitting thread
            self._error = exc
            if done is not None:
                done.set()
        finally:
            with self._condition:
                if self._pending is not None:
                    self._pending[1].set()
            if close is not None:
                close()


def _box(width: int, height: int, frame: int, grow: int = 0) -> np.ndarray:
    """A box a fifth of the frame wide moving right 3 px per frame (``grow`` px bigger per edit)."""
    mask = np.zeros((height, width), np.uint8)
    w, h = width // 5 + grow, height // 3 + grow
    x = (frame * 3) % max(1, width - w)
    mask[height // 3: height // 3 + h, x: x + w] = 255
    return mask


def _process_figures() -> dict:
    return {"rss_mib": _status_mib("VmRSS"), "threads": _status_int("Threads"),
            "fds": len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1}


def _status_mib(key: str) -> float:
    return _status_int(key) / 1024  # kB


def _status_int(key: str) -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1
