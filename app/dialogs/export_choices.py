"""What the Export dialog remembers between openings, per project: what to export, the codec,
quality, audio, mattes as a video, and the destinations.

Kept in the application's settings (a few short values) under a key made from the project's file,
or its clip's while the project is unsaved; the project file itself is not touched (choosing
how to export is not an edit to undo). The codec and quality fall back to the project's own
export settings.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields

from PySide6.QtCore import QSettings

from core.project import Project


@dataclass
class ExportChoices:
    clip: bool = True
    clip_path: str = ""
    codec: str = "h264"
    quality: int = 18
    keep_audio: bool = True
    mattes: bool = False
    mattes_path: str = ""
    mattes_as_video: bool = False


def choices_key(project: Project) -> str:
    """The settings group of ``project``'s choices: ``export/<digest of its file or its clip>``."""
    where = str(project.path if project.path is not None else project.clip.path)
    return "export/" + hashlib.sha1(where.encode()).hexdigest()[:16]


def load_choices(settings: QSettings | None, project: Project, defaults: ExportChoices) -> ExportChoices:
    """The choices last used for ``project``; ``defaults`` for what was never stored."""
    if settings is None:
        return defaults
    key, values = choices_key(project), {}
    for f in fields(ExportChoices):
        stored = settings.value(f"{key}/{f.name}")
        if stored is None:
            continue
        kind = type(getattr(defaults, f.name))
        try:  # INI files give strings back
            values[f.name] = (str(stored).lower() == "true") if kind is bool else kind(stored)
        except (TypeError, ValueError):
            continue
    return ExportChoices(**{**asdict(defaults), **values})


def save_choices(settings: QSettings | None, project: Project, choices: ExportChoices) -> None:
    if settings is None:
        return
    key = choices_key(project)
    for name, value in asdict(choices).items():
        settings.setValue(f"{key}/{name}", value)
