"""Opening a project whose autosave holds newer work (the window crashed): the window asks,
and recovers it as unsaved changes, or opens the saved version and keeps the autosave apart."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.project import load_project, save_project
from core.project.from_clip import project_with_masks
from core.project.recovery import autosave_beside
from core.project_snapshot import snapshot
from core.video import probe
from tests.app.conftest import SAMPLE
from tests.reliability.app.conftest import answer_questions, open_in_window


@pytest.fixture
def crashed(tmp_path):
    """A saved sample project and a newer autosave with a mask on frame 30 the save never saw."""
    project = project_with_masks(probe(SAMPLE), SAMPLE.with_name("bmx-trees_masks"))
    path = save_project(project, tmp_path / "bmx.keyfill")
    mask = np.zeros((240, 432), np.uint8)
    mask[100:140, 200:260] = 255
    project.set_mask(project.objects[0].id, 30, mask)
    autosave = save_project(snapshot(project), autosave_beside(path))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 60 * 10**9))
    return path, autosave


def test_recover_opens_the_autosaved_work_as_unsaved_changes(make_window, qtbot, monkeypatch, crashed):
    path, autosave = crashed
    window = make_window()
    window.confirm_unsaved = True  # as on a desktop, where the prompt can be answered
    asked = answer_questions(monkeypatch, QMessageBox.Yes)
    project = open_in_window(window, qtbot, path)
    assert len(asked) == 1 and asked[0][0] == "Recover unsaved work?" and "bmx.keyfill" in asked[0][1]
    assert 30 in project.mask_frames(project.objects[0].id)
    assert project.path == path and project.dirty and "•" in window.windowTitle()
    assert 30 not in load_project(path).mask_frames(project.objects[0].id)  # saved only when the user saves


def test_declining_opens_the_saved_version_and_keeps_the_autosave_apart(make_window, qtbot, monkeypatch, crashed):
    path, autosave = crashed
    window = make_window()
    window.confirm_unsaved = True
    asked = answer_questions(monkeypatch, QMessageBox.No)
    project = open_in_window(window, qtbot, path)
    assert len(asked) == 1 and "bmx.unrecovered.keyfill" in asked[0][1]
    assert 30 not in project.mask_frames(project.objects[0].id) and not project.dirty
    aside = path.with_name("bmx.unrecovered.keyfill")
    assert not autosave.exists() and 30 in load_project(aside).mask_frames(project.objects[0].id)


def test_without_a_screen_nothing_is_asked_and_nothing_is_lost(make_window, qtbot, monkeypatch, crashed):
    path, autosave = crashed
    window = make_window()  # offscreen: prompts would block, so none is shown
    asked = answer_questions(monkeypatch, QMessageBox.Yes)
    project = open_in_window(window, qtbot, path)
    assert asked == [] and 30 not in project.mask_frames(project.objects[0].id)
    assert path.with_name("bmx.unrecovered.keyfill").is_file()


def test_saving_a_new_project_removes_its_autosave_from_the_application_folder(make_window, qtbot, tmp_path):
    from app.autosave import autosave_path
    from tests.app.conftest import wait_for_frame

    window = make_window(SAMPLE)  # a project never saved: autosaved in the application folder
    wait_for_frame(qtbot, window, 0)
    project = window.session.project
    window.objects_panel.add_object()
    early = autosave_path(project)
    window.autosaver.save_now()
    with qtbot.waitSignal(window.autosaver.saved, timeout=20000):
        pass
    assert early.is_file()
    window.files.save_as(tmp_path / "bmx.keyfill")
    with qtbot.waitSignal(window.files.saved, timeout=20000):
        pass
    # otherwise opening the clip again would offer to "recover" work that was saved
    assert not early.exists()
