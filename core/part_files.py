"""The hidden temporary files an atomic write uses, and removing those a killed writer left.

A write goes to ``.NAME.<pid>@<host>-<random><suffix>.part`` (a file or a folder) beside its
destination ``NAME``, or inside it for files written into an existing folder. The name says which
process wrote it, so a leftover whose process is gone is known at once rather than by its age:

- the next write of the same destination removes the parts of that destination whose writer is
  gone (:func:`remove_stale_parts`);
- each process notes, once per folder, the folders it writes parts in (a journal under the state
  folder, :func:`state_folder`); the next start of Keyfill (:func:`clean_killed_writers`, called by
  ``main.py`` before any subcommand, the window included) removes what every process that is
  gone left in those folders, wherever it was writing.

Whether a process is alive is asked of this machine only: a part written by another host (a
shared render-farm folder) or by an older Keyfill (no owner in its name), or any part where the
operating system cannot be asked (Windows), counts as stale once untouched for an hour.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import os
import re
import shutil
import socket
import time
from pathlib import Path

STALE_PART_SECONDS = 3600.0  # a part untouched this long whose writer cannot be asked about is stale
STATE_DIR_ENV = "KEYFILL_STATE_DIR"
HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_OWNER = re.compile(r"\.(\d+)@([0-9a-f]{6})-[^.]*")  # ".<pid>@<host>-<random>" inside a part's name
_noted: dict[Path, set[Path]] = {}  # journal -> the folders already noted in it


def part_prefix(name: str) -> str:
    """The start of a part's name for destination ``name``, naming this process as its writer."""
    return f".{name}.{os.getpid()}@{HOST}-"


def part_owner(part_name: str) -> tuple[int, str] | None:
    """``(pid, host)`` of the process that made the part named ``part_name``, or None (an older
    Keyfill's part)."""
    match = _OWNER.search(part_name)
    return (int(match.group(1)), match.group(2)) if match else None


def writer_is_gone(part: Path, *, older_than: float = STALE_PART_SECONDS) -> bool:
    """Whether ``part`` was left by a process that no longer runs (or, when that cannot be
    asked, has not been touched for ``older_than`` seconds)."""
    owner = part_owner(part.name)
    if owner is not None and owner[1] == HOST:
        alive = _process_alive(owner[0])
        if alive is not None:
            return not alive
    try:
        return time.time() - part.lstat().st_mtime >= older_than
    except OSError:
        return False


def remove_stale_parts(dest: str | os.PathLike, *, older_than: float = STALE_PART_SECONDS) -> list[Path]:
    """Delete the parts of ``dest`` (beside it, and inside it when it is a folder) whose writer is
    gone; a live writer's part is left alone. Returns what was removed."""
    dest = Path(dest)
    pattern = f".{glob.escape(dest.name)}.*.part"
    candidates = list(dest.parent.glob(pattern))
    if dest.is_dir():
        candidates += dest.glob(pattern)
    removed = []
    for part in candidates:
        if writer_is_gone(part, older_than=older_than):
            remove_path(part)
            removed.append(part)
    return removed


def note_part_folder(folder: Path) -> None:
    """Record that this process makes parts in ``folder``, so the next start finds them if it is
    killed. Once per folder and process; a journal that cannot be written is skipped (the next
    write of the same destination still cleans up)."""
    journal = _journal(os.getpid())
    seen = _noted.setdefault(journal, set())
    folder = Path(os.path.abspath(folder))
    if folder in seen:
        return
    try:
        journal.parent.mkdir(parents=True, exist_ok=True)
        with open(journal, "a", encoding="utf-8") as f:
            f.write(f"{folder}\n")
    except OSError:
        return
    if not seen:
        atexit.register(_forget_journal, journal, os.getpid())
    seen.add(folder)


def clean_killed_writers() -> list[Path]:
    """Remove the parts left by every Keyfill process of this machine that is gone (killed, or
    crashed) in the folders its journal names, and the journal; returns what was removed. Never
    raises: cleaning up must not stop the program from starting."""
    removed: list[Path] = []
    try:
        journals = list((state_folder() / "writes").glob(f"{HOST}-*.folders"))
    except OSError:
        return removed
    for journal in journals:
        pid = _journal_pid(journal)
        if pid is None or _process_alive(pid) is not False:
            continue
        try:
            folders = journal.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for folder in dict.fromkeys(folders):
            removed += _remove_parts_of(Path(folder), pid)
        with contextlib.suppress(OSError):
            journal.unlink()
    return removed


def state_folder() -> Path:
    """Where Keyfill keeps its small per-machine state: ``$KEYFILL_STATE_DIR``, else the platform's
    local state folder (``$XDG_STATE_HOME/keyfill``, ``~/.local/state/keyfill``,
    ``%LOCALAPPDATA%/Keyfill``)."""
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "Keyfill"
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "keyfill"


def remove_path(path: Path) -> None:
    """Remove a file or a folder tree; what is gone already is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _remove_parts_of(folder: Path, pid: int) -> list[Path]:
    removed = []
    try:
        entries = list(folder.glob(".*.part"))
    except OSError:
        return removed
    for part in entries:
        if part_owner(part.name) == (pid, HOST):
            remove_path(part)
            removed.append(part)
    return removed


def _journal(pid: int) -> Path:
    return state_folder() / "writes" / f"{HOST}-{pid}.folders"


def _journal_pid(journal: Path) -> int | None:
    _, _, pid = journal.stem.partition("-")
    return int(pid) if pid.isdigit() else None


def _forget_journal(journal: Path, pid: int) -> None:
    """At a normal exit nothing of this process is left to clean: drop its journal."""
    if os.getpid() == pid:  # not in a forked child that inherited the exit hook
        with contextlib.suppress(OSError):
            journal.unlink()


def _process_alive(pid: int) -> bool | None:
    """True / False for a process of this machine, None where the system cannot be asked."""
    if pid == os.getpid():
        return True
    if os.name != "posix" or pid <= 0:
        return None  # on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return None
    return True
