"""Saving and reopening a project, and the panels that edit it through the undo stack."""

import numpy as np
from PySide6.QtCore import Qt

from app.autosave import autosave_path
from tests.app.conftest import wait_for_frame


def test_save_then_reopen_gives_the_same_masks(window, make_window, qtbot, tmp_path):
    project = window.session.project
    oid = project.objects[0].id
    window.objects_panel.add_object()
    assert "•" in window.windowTitle(), "unsaved changes show in the title"
    dest = tmp_path / "bmx.keyfill"
    job = window.files.save_as(dest)
    with qtbot.waitSignal(window.files.saved, timeout=20000):
        pass
    assert not job.isRunning() or job.wait(5000)
    assert dest.is_file() and project.path == dest and not project.dirty
    assert window.windowTitle().startswith("bmx.keyfill —") and "•" not in window.windowTitle()
    other = make_window(dest)
    wait_for_frame(qtbot, other, 0)
    reopened = other.session.project
    assert [o.name for o in reopened.objects] == [o.name for o in project.objects]
    for frame in project.mask_keyframes():
        assert np.array_equal(reopened.mask(oid, frame), project.mask(oid, frame))
    assert str(dest.resolve()) in other.files.recent()


def test_autosave_writes_a_snapshot_beside_the_project(window, qtbot, tmp_path):
    project = window.session.project
    project.path = tmp_path / "bmx.keyfill"
    window.objects_panel.add_object()
    job = window.autosaver.save_now()
    with qtbot.waitSignal(window.autosaver.saved, timeout=20000):
        pass
    assert autosave_path(project).is_file() and project.dirty, "an autosave is not a save"
    assert job is not None


def test_objects_panel_hides_renames_and_removes_through_undo(window, qtbot):
    project, panel = window.session.project, window.objects_panel
    item = panel.list.item(0)
    item.setCheckState(Qt.Unchecked)
    assert not project.objects[0].visible
    assert window.canvas.mask_layer is None, "a hidden object's mask is not drawn"
    item = panel.list.item(0)
    item.setText("Rider")
    assert project.objects[0].name == "Rider"
    window.actions.undo.trigger()
    window.actions.undo.trigger()
    assert project.objects[0].name == "Object 1" and project.objects[0].visible
    assert window.canvas.mask_layer is not None


def test_keyframes_panel_jumps_and_deletes(window, qtbot):
    panel, project = window.keyframes_panel, window.session.project
    item = panel.tree.topLevelItem(2)
    qtbot.mouseClick(panel.tree.viewport(), Qt.LeftButton, pos=panel.tree.visualItemRect(item).center())
    assert window.session.frame == 40
    wait_for_frame(qtbot, window, 40)
    panel.delete_selected()
    assert project.mask_keyframes() == [0, 20, 60, 79]
    window.actions.undo.trigger()
    assert project.mask_keyframes() == [0, 20, 40, 60, 79]


def test_fix_frame_by_hand_makes_a_content_keyframe(window, qtbot, tmp_path):
    import cv2

    image = np.zeros((240, 432, 3), np.uint8)
    image[:, :, 2] = 200  # blue in RGB
    cv2.imwrite(str(tmp_path / "fix.png"), image[:, :, ::-1])
    window.operations.fix_frame(tmp_path / "fix.png")
    project = window.session.project
    assert project.content_keyframes() == [0]
    assert np.array_equal(project.content_keyframe(0), image)
    assert window.keyframes_panel.tree.topLevelItemCount() == 6
    window.actions.undo.trigger()
    assert project.content_keyframes() == []
