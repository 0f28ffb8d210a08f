"""The window keeps every cleaned frame it renders for the preview (issue 16): Clip › Remove's,
with the project when it is first saved (also when that save is the question asked at close),
and keyed by the device the network runs on."""

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.cleaned_frames import CleanedFrames, frames_folder
from core.project import load_project
from tests.app.conftest import rendered, wait_for_frame, wait_for_jobs
from tests.render.synthetic import frames_and_masks, write_clip

COUNT = 12


@pytest.fixture
def synthetic_window(make_window, qtbot, tmp_path):
    """A window on a small synthetic clip, with the box's mask on every frame and the flow fill."""
    frames, masks = frames_and_masks(COUNT)
    root = write_clip(tmp_path / "clip", frames, masks)
    window = make_window(root / "frames")
    wait_for_frame(qtbot, window, 0)
    project = window.session.project
    for index, mask in enumerate(masks):
        project.set_mask(project.objects[0].id, index, mask)
    project.update_settings(removal_method="flow")
    return window



def test_remove_keeps_every_frame_it_renders_for_the_preview(synthetic_window, qtbot):
    window = synthetic_window
    session, project = window.session, window.session.project
    assert not session.render_cache.frames()
    window.actions.remove.trigger()
    wait_for_jobs(qtbot, window)
    assert session.render_cache.frames() == set(range(COUNT)), "playback shows them all without rendering"
    assert np.array_equal(session.render_cache.get(7), rendered(project, 7)), "what the preview would render"


def test_the_first_save_takes_the_temporary_frames_beside_the_project(synthetic_window, qtbot, tmp_path):
    window = synthetic_window
    cleaned = window.session.render_cache
    cleaned.put(3, np.full((64, 96, 3), 30, np.uint8))
    temporary = cleaned.store.folder
    assert cleaned.store.temporary
    window.files.save_as(tmp_path / "shot.keyfill")
    wait_for_jobs(qtbot, window)
    qtbot.waitUntil(lambda: not window.jobs.jobs)
    assert cleaned.store.folder == frames_folder(tmp_path / "shot.keyfill") and not temporary.exists()
    assert CleanedFrames(load_project(tmp_path / "shot.keyfill")).frames() == {3}, "found by the next session"


def test_saving_at_close_takes_the_frames_along_too(synthetic_window, qtbot, tmp_path, monkeypatch):
    window = synthetic_window
    window.confirm_unsaved = True  # as on a desktop, where the question can be answered
    cleaned = window.session.render_cache
    cleaned.put(5, np.full((64, 96, 3), 50, np.uint8))
    temporary = cleaned.store.folder
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.Save)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "closed.keyfill"), ""))
    assert window.close()
    assert not temporary.exists(), "the temporary folder is gone: its frames moved, not lost"
    reopened = CleanedFrames(load_project(tmp_path / "closed.keyfill"))
    assert reopened.frames() == {5}
    assert np.array_equal(reopened.get(5), np.full((64, 96, 3), 50, np.uint8))


def test_frames_rendered_on_another_device_are_not_shown(synthetic_window):
    window = synthetic_window
    session, project = window.session, window.session.project
    project.update_settings(removal_method="network")  # the flow fill runs on the CPU whatever the device
    assert session.device == "auto"
    session.render_cache.put(2, np.full((64, 96, 3), 20, np.uint8))
    dialog = window.operations.edit_settings()
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.accept()
    assert session.device == "cpu" and session.render_cache.frames() == set()
    dialog = window.operations.edit_settings()
    dialog.device.setCurrentIndex(dialog.device.findData("auto"))
    dialog.accept()
    assert session.render_cache.frames() == {2}, "back on the first device: its frames again"
