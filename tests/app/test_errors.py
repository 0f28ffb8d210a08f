"""Failures in jobs and workers are shown as messages; the window keeps working."""

import numpy as np
from PySide6.QtWidgets import QMessageBox

from app.workers.frames import open_reader
from app.workers.threads import Job
from core.errors import VideoError
from tests.app.conftest import SAMPLE, wait_for_frame


def shown_messages(window) -> list[str]:
    return [box.text() for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_opening_a_missing_clip_shows_why_and_keeps_the_open_project(window, qtbot, tmp_path):
    project = window.session.project
    missing = tmp_path / "gone.mp4"
    window.open_path(missing)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=5000)
    assert "does not exist" in window.last_error and str(missing) in window.last_error
    assert window.last_error in shown_messages(window)
    assert window.status.currentMessage() == window.last_error
    assert window.session.project is project
    window.session.set_frame(3)
    wait_for_frame(qtbot, window, 3)


def test_user_errors_raised_by_an_action_are_shown_not_raised(window, qtbot):
    window.actions.remove.trigger()  # frames without masks: nothing to remove from yet
    assert window.last_error is not None and "have no mask" in window.last_error
    assert window.last_error in shown_messages(window)
    assert not window.jobs.is_running("Removing objects")


def test_an_unexpected_error_in_a_job_is_reported(window, qtbot):
    def broken(progress, cancel):
        raise ZeroDivisionError("division by zero")

    job = Job("Broken", broken)
    with qtbot.waitSignal(job.failed):  # connected before the job runs: it fails at once
        window.jobs.start(job)
    qtbot.waitUntil(lambda: window.last_error is not None)
    assert "Unexpected error (ZeroDivisionError" in window.last_error
    assert window.last_error in shown_messages(window)
    qtbot.waitUntil(lambda: not window.jobs.jobs)
    assert not window.status.cancel_button.isVisible(), "nothing is shown as running afterwards"


class BrokenReader:
    """A reader whose frame 5 cannot be decoded."""

    def __init__(self, path) -> None:
        self._reader = open_reader(path)
        self.info = self._reader.info

    def frame(self, index: int) -> np.ndarray:
        if index == 5:
            raise VideoError("frame 6 could not be decoded; the file may be damaged.")
        return self._reader.frame(index)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def test_a_frame_that_fails_to_decode_is_reported_and_the_others_still_show(make_window, qtbot):
    window = make_window()
    window.viewer._open = BrokenReader  # the workers open their readers with this
    window.open_path(SAMPLE)
    wait_for_frame(qtbot, window, 0)
    with qtbot.waitSignal(window.viewer.problem) as problem:
        window.session.set_frame(5)
    assert "frame 6 could not be decoded" in problem.args[0]
    assert "frame 6 could not be decoded" in window.status.currentMessage()
    window.session.set_frame(6)
    wait_for_frame(qtbot, window, 6)
