"""Autosaves, and getting work back from one after a crash.

The window autosaves a project to ``<name>.autosave.keyfill`` beside its ``<name>.keyfill`` (or,
while the project has never been saved, to ``<clip stem>.autosave.keyfill`` in an application
folder). A real save removes the autosave, so an autosave that is still there and newer than the
project holds work the user never saved: the window crashed, was killed or lost power.
:func:`recoverable_autosave` finds it; :func:`recover_autosave` opens it as unsaved work on the
original project, and :func:`set_autosave_aside` keeps it out of the next autosave's way when the
user opens the saved version instead.
"""

from __future__ import annotations

from pathlib import Path

from core.project.document import Project
from core.project.project_file import SUFFIX, load_project

AUTOSAVE_SUFFIX = ".autosave.keyfill"
UNRECOVERED_SUFFIX = ".unrecovered.keyfill"


def autosave_beside(project_path: str | Path) -> Path:
    """Where a saved project's autosave goes: ``p.keyfill`` -> ``p.autosave.keyfill``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.name.removesuffix(SUFFIX) + AUTOSAVE_SUFFIX)


def autosave_for_clip(folder: str | Path, clip: str | Path) -> Path:
    """Where an unsaved project on ``clip`` is autosaved, in the application's ``folder``."""
    clip = Path(clip)
    return Path(folder) / f"{clip.stem if clip.suffix else clip.name}{AUTOSAVE_SUFFIX}"


def recoverable_autosave(opened: str | Path, autosave: str | Path) -> Path | None:
    """``autosave`` when it holds work newer than ``opened`` (a ``.keyfill`` file, or the clip of
    an unsaved project), else None. Only file times are compared: nothing is read."""
    opened, autosave = Path(opened), Path(autosave)
    if opened == autosave:
        return None
    try:
        written = autosave.stat().st_mtime_ns
    except OSError:
        return None
    try:
        return autosave if written > opened.stat().st_mtime_ns else None
    except OSError:
        return autosave  # the project file itself is gone: the autosave is all there is


def recover_autosave(autosave: str | Path, original: str | Path | None) -> Project:
    """The autosave's project as unsaved work on ``original`` (the ``.keyfill`` it belongs to, or
    None for a project never saved): saving writes ``original``, and the project is dirty.

    Raises :class:`ProjectError` when the autosave is damaged (the original is left as it is).
    """
    project = load_project(autosave)
    project.path = Path(original) if original is not None and Path(original).suffix == SUFFIX else None
    project.saved_revision = -1  # recovered work is unsaved until the user saves it
    return project


def set_autosave_aside(autosave: str | Path) -> Path:
    """Keep an autosave the user chose not to recover where the next autosave cannot overwrite
    it: ``p.autosave.keyfill`` -> ``p.unrecovered.keyfill`` (replacing an older one)."""
    autosave = Path(autosave)
    aside = autosave.with_name(autosave.name.removesuffix(AUTOSAVE_SUFFIX) + UNRECOVERED_SUFFIX)
    autosave.replace(aside)
    return aside
