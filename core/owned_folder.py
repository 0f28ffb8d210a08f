"""Folders Keyfill keeps beside a project (cleaned frames, flows) and may delete files in.

Such a folder is Keyfill's only when it holds Keyfill's note file: a folder of that name without
the note is the user's, and nothing is written or deleted there.
"""

from __future__ import annotations

from pathlib import Path

from core.atomic_write import write_bytes_atomic
from core.errors import KeyfillError


class FolderNotOurs(KeyfillError):
    """A folder where Keyfill would keep its files holds files Keyfill did not write."""


def claim_folder(folder: Path, note: str, note_text: str, contents: str) -> None:
    """Make ``folder`` Keyfill's (create it with the file ``note`` saying ``note_text``), or check it
    already is; ``contents`` names what it keeps in messages ("cleaned frames")."""
    marker = folder / note
    if folder.exists() and not folder.is_dir():
        raise FolderNotOurs(f"{folder} is a file, not Keyfill's folder of {contents}; rename it to keep the "
                            f"{contents} with the project.")
    if folder.is_dir() and not marker.is_file() and any(folder.iterdir()):
        raise FolderNotOurs(f"{folder} holds files Keyfill did not write; rename it to keep the {contents} "
                            "with the project.")
    folder.mkdir(parents=True, exist_ok=True)
    if not marker.is_file():
        write_bytes_atomic(marker, note_text.encode())
