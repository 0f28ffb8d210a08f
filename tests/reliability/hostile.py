"""Hostile files for the reliability tests: images whose header lies about their size, projects
that declare more than they hold. Built in microseconds, never decoded by the builder."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from core.image_limits import PNG_SIGNATURE


def png_claiming(width: int, height: int, depth: int = 8, colour: int = 0) -> bytes:
    """A PNG whose header says ``width`` x ``height`` but whose data is a few rows of zeros."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(64)))
            + chunk(b"IEND", b""))


def png_of_zeros(width: int, height: int) -> bytes:
    """A real 8-bit grey PNG of zeros, compressed as far as deflate goes (~1000:1), streamed."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0 + the row
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def project_bytes(width: int, height: int, frames: int, mask_files: dict[int, str] | list[tuple[int, str]],
                  entries: dict[str, bytes], *,
                  clip: Path = Path("/nonexistent/clip.mp4"), compression=zipfile.ZIP_DEFLATED,
                  settings: dict | None = None) -> bytes:
    """A ``.keyfill`` zip declaring a ``width`` x ``height`` clip of ``frames`` frames, object 1
    with a mask on each frame of ``mask_files`` (frame -> entry name, or ``(frame, name)`` pairs)
    and the ``entries``."""
    pairs = mask_files.items() if isinstance(mask_files, dict) else mask_files
    manifest = {
        "format": "keyfill-project", "version": 1,
        "clip": {"path": str(clip), "relative_path": None, "width": width, "height": height,
                 "frame_count": frames, "frame_rate": "25/1"},
        "objects": [{"id": 1, "name": "Object 1", "colour": [255, 64, 64], "visible": True}],
        "settings": settings or {},
        "masks": [{"object": 1, "frame": f, "kind": "keyframe", "file": name} for f, name in pairs],
        "content": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


@contextmanager
def bounded(seconds: float, megabytes: float):
    """Fail when the block takes longer than ``seconds`` or its Python/numpy allocations (what
    ``tracemalloc`` sees: numpy and OpenCV arrays included) peak above ``megabytes``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.2f} s"
    assert peak < megabytes, f"peaked at {peak:.1f} MiB"
