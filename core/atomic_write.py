"""Write files so that a crash, a kill or a full disk never leaves a half-written destination.

The content goes to a temporary file beside the destination (same filesystem), is flushed and
fsynced, then renamed over the destination in one step (``os.replace`` is atomic on POSIX and
Windows). On any failure the temporary file is removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success it replaces ``dest``.

    The caller writes the whole file (or folder) at the yielded path. ``suffix`` keeps the
    extension (encoders pick the container from it). Works for folders too: an existing
    destination folder is replaced only after the new one is complete.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{dest.name}.", suffix=(suffix if suffix is not None else dest.suffix) + ".part",
        dir=dest.parent,
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # the caller creates it (a file or a folder)
    try:
        yield tmp
        if tmp.is_file():
            _fsync_file(tmp)
        _replace(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        _remove(tmp)
        raise


STALE_PART_SECONDS = 3600.0  # a writer's temporary file untouched this long was left by a killed process


def remove_stale_parts(dest: str | os.PathLike, *, older_than: float = STALE_PART_SECONDS) -> list[Path]:
    """Delete the hidden temporary files (``.NAME.*.part``) a killed writer left beside ``dest``,
    when untouched for ``older_than`` seconds (a live writer's file is younger); returns them."""
    dest = Path(dest)
    removed = []
    for part in dest.parent.glob(f".{glob.escape(dest.name)}.*.part"):
        try:
            if time.time() - part.lstat().st_mtime >= older_than:
                _remove(part)
                removed.append(part)
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def write_bytes_atomic(dest: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically (temp file, fsync, rename)."""
    with atomic_path(dest) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def _replace(tmp: Path, dest: Path) -> None:
    if tmp.is_dir() and dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        _remove(old)
        os.replace(dest, old)
        os.replace(tmp, dest)
        _remove(old)
    else:
        os.replace(tmp, dest)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
