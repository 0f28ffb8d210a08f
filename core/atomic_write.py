"""Write files so that a crash, a kill or a full disk never leaves a half-written destination.

A file's content goes to a hidden temporary file beside the destination (same filesystem), is
flushed and fsynced, then renamed over the destination in one step (``os.replace`` is atomic on
POSIX and Windows). On any failure the temporary file is removed and the destination is
untouched. Temporary names say which process wrote them, so what a killed process left is
removed at the next start (:mod:`core.part_files`).

A folder is never replaced as a whole, and nothing in it is deleted: Keyfill writes only the
files it names into a folder (``00000.png``, ...), first into a hidden temporary folder, then
moves them in when all are written (:func:`named_files_into`). A folder the user gave may hold
their own files, the source clip or the project among them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from core.part_files import (STALE_PART_SECONDS, note_part_folder, part_prefix, remove_path,
                             remove_stale_parts)

__all__ = ["STALE_PART_SECONDS", "FolderWrite", "atomic_path", "named_files_into", "remove_stale_parts",
           "write_bytes_atomic"]


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success the file written there replaces ``dest``.

    The caller writes the whole file at the yielded path. ``suffix`` keeps the extension
    (encoders pick the container from it). For a folder of files see :func:`named_files_into`:
    an existing folder is never replaced (the rename fails, and the folder stays as it was).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest)
    note_part_folder(dest.parent)
    fd, tmp_name = tempfile.mkstemp(
        prefix=part_prefix(dest.name), suffix=(suffix if suffix is not None else dest.suffix) + ".part",
        dir=dest.parent,
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # the caller creates it
    try:
        yield tmp
        if tmp.is_file():
            _fsync_file(tmp)
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except BaseException:
        remove_path(tmp)
        raise


def write_bytes_atomic(dest: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``dest`` atomically (temp file, fsync, rename)."""
    with atomic_path(dest) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


@dataclass
class FolderWrite:
    """A write of named files into ``dest``: the caller writes them into ``folder``."""

    dest: Path
    folder: Path  # hidden and temporary; its files move into ``dest`` when the write succeeds
    existed: bool  # ``dest`` was a folder already: the files are moved in one by one
    moved: int = 0  # files now in ``dest``, once the write succeeded
    replaced: int = 0  # of those, how many overwrote a file of the same name


@contextlib.contextmanager
def named_files_into(dest: str | os.PathLike, names: Iterable[str], *,
                     overwrite: bool = False) -> Iterator[FolderWrite]:
    """Yield a :class:`FolderWrite`; the caller writes files named in ``names`` into its
    ``folder``, and on success they appear in ``dest``.

    A ``dest`` that does not exist is created by renaming the complete temporary folder (one
    step). In an existing folder each file is moved in atomically; other files of the folder are
    never touched, and one with a name in ``names`` is overwritten only with ``overwrite``
    (otherwise :class:`FileExistsError`, before anything is written and again before anything is
    moved). Cancelling (any exception) removes everything written so far and leaves ``dest`` as
    it was. A folder that exists is given its temporary folder inside it, so ``--mattes .``
    works where the parent folder is not writable.
    """
    dest = Path(os.path.abspath(dest))  # "." has no name to give its temporary folder
    names = frozenset(names)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(dest))
    existed = dest.is_dir()
    if not overwrite and existed:
        _refuse_existing(dest, sorted(names))
    remove_stale_parts(dest)
    home = dest if existed else dest.parent
    home.mkdir(parents=True, exist_ok=True)
    note_part_folder(home)
    write = FolderWrite(dest, Path(tempfile.mkdtemp(prefix=part_prefix(dest.name), suffix=".part", dir=home)),
                        existed)
    try:
        yield write
        written = sorted(os.listdir(write.folder))
        strays = [name for name in written if name not in names]
        if strays:
            raise ValueError(f"{strays[0]} was written into {dest} but is not one of the names announced")
        if not existed and _rename_whole(write.folder, dest):
            write.moved = len(written)
            return
        _move_files_in(write, written, overwrite)
    except BaseException:
        remove_path(write.folder)
        raise


def _rename_whole(folder: Path, dest: Path) -> bool:
    """Rename the complete temporary folder to ``dest``; False when ``dest`` appeared meanwhile
    (another writer: a render farm's machines share the output folder)."""
    try:
        os.rename(folder, dest)  # replaces at most an empty folder; never one with files
    except OSError as error:
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY) or dest.is_dir():
            return False
        raise
    _fsync_dir(dest.parent)
    return True


def _move_files_in(write: FolderWrite, names: list[str], overwrite: bool) -> None:
    dest = write.dest
    dest.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        _refuse_existing(dest, names)
    for name in names:
        source, target = write.folder / name, dest / name
        _fsync_file(source)
        write.replaced += target.exists()
        os.replace(source, target)
        write.moved += 1
    _fsync_dir(dest)
    remove_path(write.folder)


def _refuse_existing(dest: Path, names: list[str]) -> None:
    for name in names:
        if os.path.lexists(dest / name):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dest / name))


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
