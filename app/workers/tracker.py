"""Keeps the window's running jobs: starts them, tells the status bar, cancels them on close."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

from app.workers.threads import Job


class JobTracker(QObject):
    changed = Signal()  # a job started, progressed or ended
    failed = Signal(str, str)  # title, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[Job] = []
        self.progress: dict[Job, tuple[int, int, str]] = {}
        self._closed = False  # after shutdown, late results are dropped (the window is going away)

    def start(self, job: Job, on_success: Callable[[object], None] | None = None, *,
              on_cancel: Callable[[], None] | None = None, quiet: bool = False) -> Job:
        """Run ``job``; ``quiet`` jobs (autosave, thumbnails) stay out of the status bar's progress."""
        job.quiet = quiet
        self.jobs.append(job)
        if on_success is not None:
            job.succeeded.connect(lambda result: None if self._closed else on_success(result))
        if on_cancel is not None:
            job.cancelled.connect(lambda: None if self._closed else on_cancel())
        job.progressed.connect(lambda done, total, message, job=job: self._progressed(job, done, total, message))
        job.failed.connect(lambda message, job=job: None if self._closed else self.failed.emit(job.title, message))
        job.finished.connect(lambda job=job: self._finished(job))
        job.start()
        self.changed.emit()
        return job

    def visible(self) -> list[Job]:
        return [j for j in self.jobs if not j.quiet]

    def is_running(self, title: str) -> bool:
        return any(j.title == title for j in self.jobs)

    def shutdown(self) -> None:
        """Cancel every job, wait for them, and drop whatever they still report."""
        self._closed = True
        for job in list(self.jobs):
            job.cancel()
        for job in list(self.jobs):
            job.wait()

    def _progressed(self, job: Job, done: int, total: int, message: str) -> None:
        if self._closed:
            return
        self.progress[job] = (done, total, message)
        self.changed.emit()

    def _finished(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self.progress.pop(job, None)
        self.changed.emit()
        job.deleteLater()
