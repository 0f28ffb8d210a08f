"""Autosave: every 2 minutes and a few seconds after a batch of edits, to ``<project>.autosave.keyfill``
beside the project (or in the application data folder while the project is unsaved).

The project is snapshotted on the window's thread (cheap: masks stay packed) and written by a
job, so a long clip's masks never stall the window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from app.session import Session
from app.workers.tasks import autosave_task
from app.workers.threads import Job
from app.workers.tracker import JobTracker
from core.project import SUFFIX as PROJECT_SUFFIX
from core.project import Project
from core.project.recovery import AUTOSAVE_SUFFIX, autosave_beside, autosave_for_clip

INTERVAL_MS = 2 * 60 * 1000
AFTER_EDITS_MS = 5 * 1000  # a batch of strokes ends when the user stops this long
SUFFIX = AUTOSAVE_SUFFIX


def autosave_folder() -> Path:
    """Where projects that were never saved are autosaved."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)) / "autosave"


def autosave_path(project: Project) -> Path:
    if project.path is not None:
        return autosave_beside(project.path)
    return autosave_for_clip(autosave_folder(), project.clip.path)


def autosave_for_opening(path: Path) -> Path:
    """Where the autosave of what ``path`` opens would be (a ``.keyfill`` or a clip)."""
    if path.suffix.lower() == PROJECT_SUFFIX:
        return autosave_beside(path)
    return autosave_for_clip(autosave_folder(), path)


class Autosaver(QObject):
    saved = Signal(str)  # path

    def __init__(self, session: Session, jobs: JobTracker) -> None:
        super().__init__(session)
        self.session, self.jobs = session, jobs
        self._saved_revision: int | None = None
        self._written: tuple[Project, Path] | None = None  # the last autosave, of which project
        self._job: Job | None = None
        self._periodic = QTimer(self)
        self._periodic.timeout.connect(self.save_now)
        self._periodic.start(INTERVAL_MS)
        self._after_edits = QTimer(self)
        self._after_edits.setSingleShot(True)
        self._after_edits.timeout.connect(self.save_now)
        session.undo_stack.indexChanged.connect(lambda _: self._after_edits.start(AFTER_EDITS_MS))
        session.projectReplaced.connect(self._on_replaced)

    def save_now(self) -> Job | None:
        """Start an autosave if there are changes since the last save or autosave."""
        project = self.session.project
        if project is None or self._job is not None or not project.dirty or project.revision == self._saved_revision:
            return None
        revision, dest = project.revision, autosave_path(project)
        self._job = Job("Autosave", autosave_task(project, dest))
        self._job.succeeded.connect(lambda path: self._done(project, revision, path))
        self._job.finished.connect(self._clear_job)
        return self.jobs.start(self._job, quiet=True)

    def discard(self) -> None:
        """The project was saved for real: its autosave is now older, remove it (and the one
        written before the first save, in the application folder, which would otherwise be
        offered for recovery the next time the clip is opened)."""
        project = self.session.project
        if project is not None:
            autosave_path(project).unlink(missing_ok=True)
            if self._written is not None and self._written[0] is project:
                self._written[1].unlink(missing_ok=True)
        self._written = None
        self._saved_revision = project.revision if project else None

    def _on_replaced(self) -> None:
        self._after_edits.stop()
        self._saved_revision = None

    def _done(self, project: Project, revision: int, path) -> None:
        if project is self.session.project:
            self._saved_revision = revision
            self._written = (project, Path(path))
        self.saved.emit(str(path))

    def _clear_job(self) -> None:
        self._job = None
