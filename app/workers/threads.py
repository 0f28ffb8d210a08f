"""The two shapes of background work in the window.

- :class:`LatestRequestWorker`: a long-lived worker on its own thread that serves requests
  (decode frame i, render frame i, ...). Only the newest pending request is served: when the user
  scrubs, the frames in between are skipped, never queued.
- :class:`Job`: a one-shot long operation (propagate, remove, export, autosave) that takes
  ``progress`` and ``cancel`` like every long core function.

Both report by signals; user-facing errors (:class:`KeyfillError`) travel as their message.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal, Slot

from core.errors import Cancelled, KeyfillError
from core.progress import CancelToken, ProgressFn

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second


def describe_error(exc: BaseException) -> str:
    """The message to show for ``exc``; unexpected errors also print their traceback."""
    if isinstance(exc, KeyfillError):
        return str(exc)
    traceback.print_exception(exc)
    return f"Unexpected error ({type(exc).__name__}: {exc}). Please report it with the console output."


class LatestRequestWorker(QObject):
    """Subclasses implement :meth:`handle` (runs on the worker's thread) and :meth:`release`."""

    failed = Signal(str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: Any = None
        self._wake.connect(self._serve, Qt.QueuedConnection)

    def submit(self, request: Any) -> None:
        """Replace any pending request by ``request`` (callable from the UI thread)."""
        with self._lock:
            self._pending = request
        self._wake.emit()

    def submit_if_idle(self, request: Any) -> None:
        """Queue ``request`` unless another is pending (a worker going on with its own work must
        not replace what the UI thread asked for meanwhile)."""
        with self._lock:
            if self._pending is not None:
                return
            self._pending = request
        self._wake.emit()

    def pending(self) -> Any:
        with self._lock:
            return self._pending

    def handle(self, request: Any) -> None:
        raise NotImplementedError

    @Slot()
    def release(self) -> None:
        """Free per-thread resources (readers); runs on the worker's thread before it stops."""

    @Slot()
    def _serve(self) -> None:
        with self._lock:
            request, self._pending = self._pending, None
        if request is None:
            return
        try:
            self.handle(request)
        except Exception as exc:  # noqa: BLE001 - a worker must survive and report anything
            self.failed.emit(describe_error(exc))


class WorkerThread:
    """Owns a QThread and the worker that lives on it."""

    def __init__(self, worker: QObject, name: str) -> None:
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        if not self.thread.isRunning():
            return
        if hasattr(self.worker, "release"):
            QMetaObject.invokeMethod(self.worker, "release", Qt.BlockingQueuedConnection)
        self.thread.quit()
        self.thread.wait()


class Job(QThread):
    """Runs ``fn(progress, cancel)`` once on its own thread."""

    progressed = Signal(int, int, str)  # done, total, message
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, title: str, fn: Callable[[ProgressFn, CancelToken], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.token = CancelToken()
        self._fn = fn
        self._last_progress = 0.0

    def cancel(self) -> None:
        self.token.cancel()

    def run(self) -> None:
        try:
            result = self._fn(self._progress, self.token)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(describe_error(exc))
        else:
            self.succeeded.emit(result)

    def _progress(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if done >= total or now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self.progressed.emit(done, total, message)
