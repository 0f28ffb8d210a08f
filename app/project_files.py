"""File menu work: new project from a clip or image folder, open, save, save as, recent files, drops.

Opening (probing the clip, reading masks) and saving (encoding masks) run as jobs; the project
is handed to the session when it is ready.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.autosave import autosave_for_opening
from app.session import Session
from app.workers.tasks import autosave_task, open_task, recover_task
from app.workers.threads import Job
from app.workers.tracker import JobTracker
from core.errors import KeyfillError
from core.project import SUFFIX, Project, clip_found, save_project
from core.project.clip_check import clip_mismatch
from core.project.recovery import AUTOSAVE_SUFFIX, UNRECOVERED_SUFFIX, recoverable_autosave, set_autosave_aside

MAX_RECENT = 10
CLIP_FILTER = "Clips (*.mp4 *.mov *.mkv *.avi *.m4v *.mxf *.webm);;All files (*)"
PROJECT_FILTER = f"Keyfill projects (*{SUFFIX})"


class ProjectFiles(QObject):
    recentChanged = Signal()
    opened = Signal(object)  # the Project, once it is in the session
    saved = Signal(str)

    def __init__(self, session: Session, jobs: JobTracker, settings: QSettings, window: QWidget) -> None:
        super().__init__(window)
        self.session, self.jobs, self.settings, self.window = session, jobs, settings, window
        self.set_aside: Path | None = None  # the last autosave kept apart instead of recovered

    # --- opening ---------------------------------------------------------------------------
    def open_path(self, path: str | Path) -> Job:
        """Open a clip, an image folder or a ``.keyfill`` project (a job; see ``opened``).

        When an autosave newer than ``path`` is there (the window closed without saving: a crash,
        a kill, a power cut), the user is asked whether to recover it."""
        path = Path(path)
        autosave = recoverable_autosave(path, autosave_for_opening(path))
        if autosave is not None and self.ask_recover(path, autosave):
            job = Job(f"Recovering {path.name}", recover_task(autosave, path))
        else:
            if autosave is not None:  # the next autosave would overwrite it: keep it apart
                with contextlib.suppress(OSError):
                    self.set_aside = set_autosave_aside(autosave)
            job = Job(f"Opening {path.name}", open_task(path))
        return self.jobs.start(job, lambda project: self._opened(project, path))

    def ask_recover(self, path: Path, autosave: Path) -> bool:
        """Whether to open ``autosave`` instead of ``path``. Without a screen (tests) nobody can
        answer: the saved version opens and the autosave is set aside, not lost."""
        if not getattr(self.window, "confirm_unsaved", True):
            return False
        written = datetime.fromtimestamp(autosave.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        aside = autosave.name.removesuffix(AUTOSAVE_SUFFIX) + UNRECOVERED_SUFFIX
        answer = QMessageBox.question(
            self.window, "Recover unsaved work?",
            f"Keyfill closed without saving {path.name}: an autosave from {written} holds newer work.\n\n"
            f"Recover it? No opens the last saved version and keeps the autosave as {aside}.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def ask_reprobe(self, mismatch: str) -> bool:
        """Whether to take the project's clip as it is now (another frame count or rate than the
        project's). Without a screen nobody can answer: the project opens as saved, and says so."""
        if not getattr(self.window, "confirm_unsaved", True):
            QMessageBox(QMessageBox.Warning, "The clip has changed", mismatch, QMessageBox.Ok, self.window).open()
            return False
        answer = QMessageBox.question(
            self.window, "The clip has changed",
            f"{mismatch}\n\nRe-probe it now? Masks stay on their frames (those past its end are dropped); "
            "No opens the project as it was saved.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def new_from_clip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "New project from a clip", "", CLIP_FILTER)
        if path:
            self.open_path(path)

    def new_from_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self.window, "New project from an image folder")
        if path:
            self.open_path(path)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", "", PROJECT_FILTER)
        if path:
            self.open_path(path)

    def _opened(self, project: Project, path: Path) -> None:
        mismatch = clip_mismatch(project)
        if mismatch is not None and self.ask_reprobe(mismatch):
            project.reprobe(project.clip_on_disk)  # before the session starts reading the clip
        self.session.set_project(project)
        self.add_recent(path)
        self.opened.emit(project)
        if not clip_found(project):
            box = QMessageBox(QMessageBox.Warning, "Clip not found",
                              f"{project.clip.path} is missing. Use File › Relink clip… to point the project "
                              "at the moved clip (same size and frame count).", QMessageBox.Ok, self.window)
            box.open()

    # --- saving ----------------------------------------------------------------------------
    def save(self) -> Job | None:
        project = self.session.project
        if project is None:
            return None
        return self.save_as(project.path) if project.path is not None else self.save_as()

    def save_as(self, path: str | Path | None = None) -> Job | None:
        project = self.session.project
        if project is None:
            return None
        if path is None:
            start = str(project.clip.path.with_suffix(SUFFIX))
            chosen, _ = QFileDialog.getSaveFileName(self.window, "Save project", start, PROJECT_FILTER)
            if not chosen:
                return None
            path = chosen if chosen.endswith(SUFFIX) else chosen + SUFFIX
        path, revision = Path(path), project.revision
        job = Job(f"Saving {path.name}", autosave_task(project, path))  # a snapshot, written by the job
        return self.jobs.start(job, lambda written: self._saved(project, revision, Path(written)))

    def save_and_wait(self) -> bool:
        """Save on this thread (closing the window: waiting is expected); False if not saved."""
        project = self.session.project
        path = project.path
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self.window, "Save project", "", PROJECT_FILTER)
            if not chosen:
                return False
            path = Path(chosen if chosen.endswith(SUFFIX) else chosen + SUFFIX)
        try:
            save_project(project, path)
        except KeyfillError as exc:
            QMessageBox.warning(self.window, "Not saved", str(exc))
            return False
        self.keep_cleaned_frames(project, path)  # closing waits for the job; opening another does not need to
        self.add_recent(path)
        return True

    def _saved(self, project: Project, revision: int, path: Path) -> None:
        project.path = path
        project.saved_revision = revision
        self.keep_cleaned_frames(project, path)
        self.add_recent(path)
        self.saved.emit(str(path))

    def keep_cleaned_frames(self, project: Project, path: Path) -> Job | None:
        """The cleaned frames go beside the saved project, off this thread: a first save moves the
        temporary folder's frames there (``CleanedFrames.keep_beside``; the store closes only once
        they are there, should the project be closed meanwhile)."""
        cleaned = self.session.render_cache
        if project is not self.session.project or cleaned is None:
            return None
        return self.jobs.start(Job("Keeping the cleaned frames", lambda progress, cancel: cleaned.keep_beside(path)),
                               quiet=True)

    # --- recent files ----------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def add_recent(self, path: Path) -> None:
        entry = str(Path(path).resolve())
        items = [entry] + [p for p in self.recent() if p != entry]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self.recentChanged.emit()

    def clear_recent(self) -> None:
        self.settings.setValue("recent", [])
        self.recentChanged.emit()
