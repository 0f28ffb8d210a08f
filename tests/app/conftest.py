"""Fixtures for the window's tests: an offscreen app with the dark theme, isolated settings,
and a window opened on the bundled sample clip."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QObject, QSettings, QStandardPaths  # noqa: E402

from app.workers.render import PreviewRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "samples" / "bmx-trees.mp4"
LOAD_TIMEOUT_MS = 20000


@pytest.fixture(scope="session")
def qapp_args():
    return ["keyfill-tests"]


@pytest.fixture(scope="session", autouse=True)
def _theme(qapp):
    from app.theme import apply_dark_theme

    QStandardPaths.setTestModeEnabled(True)  # autosaves go to a test folder, not the user's
    apply_dark_theme(qapp)


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "keyfill.ini"), QSettings.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    """``make_window(path)``: a shown MainWindow, closed (workers stopped) after the test."""
    from app.main_window import MainWindow

    windows = []

    def make(path=None):
        window = MainWindow(path, settings=settings)
        window.resize(1280, 800)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()


@pytest.fixture
def window(make_window, qtbot):
    """A window on the sample clip, its five keyframe masks loaded and frame 0 shown."""
    window = make_window(SAMPLE)
    wait_for_frame(qtbot, window, 0)
    return window


def wait_for_frame(qtbot, window, frame: int) -> None:
    qtbot.waitUntil(lambda: window.session.project is not None and window.canvas.frame_index == frame,
                    timeout=LOAD_TIMEOUT_MS)


def wait_for_jobs(qtbot, window, timeout: int = 60000) -> None:
    qtbot.waitUntil(lambda: not window.jobs.visible(), timeout=timeout)


class SignalLog(QObject):
    """Records a signal's emissions on the test's thread (this object lives there, so a signal
    emitted on a worker thread reaches :meth:`record` queued, never on the worker)."""

    def __init__(self, signal) -> None:
        super().__init__()
        self.calls: list[list] = []
        self._signal = signal
        signal.connect(self.record)

    def record(self, *args) -> None:
        self.calls.append(list(args))

    @property
    def args(self) -> list:
        return self.calls[0]

    def close(self) -> None:
        self._signal.disconnect(self.record)


@contextmanager
def emitted(qtbot, signal, timeout: int = 5000):
    """Like ``qtbot.waitSignal`` for a signal of a worker that lives on another thread.

    ``waitSignal`` connects a plain callable, which Qt runs on the emitting worker's thread: when
    the worker emits before the wait's event loop starts, the loop's quit is lost and the wait
    hangs for good (seen in CI). Here the emission is queued to this thread and polled."""
    log = SignalLog(signal)
    try:
        yield log
        qtbot.waitUntil(lambda: bool(log.calls), timeout=timeout)
    finally:
        log.close()


def rendered(project, frame: int):
    """Frame ``frame`` of ``project`` rendered as the window's preview renders it (RGB uint8)."""
    renderer = PreviewRenderer(project)
    try:
        return renderer.render_frame(frame)
    finally:
        renderer.close()
