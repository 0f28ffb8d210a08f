"""Keyboard shortcuts, pressed as keys (not triggered as actions): playback, frames, brush, tools."""

import pytest
from PySide6.QtCore import Qt

from tests.app.conftest import wait_for_frame


@pytest.fixture
def keys(window, qtbot):
    """``keys(key, widget=canvas, modifier)``: a key click where the focus is."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()

    def press(key, widget=None, modifier=Qt.NoModifier):
        qtbot.keyClick(widget or window.canvas, key, modifier)

    return press


def test_arrows_home_and_end_step_through_frames(window, keys):
    session = window.session
    keys(Qt.Key_Right)
    keys(Qt.Key_Right)
    assert session.frame == 2
    keys(Qt.Key_Left)
    assert session.frame == 1
    keys(Qt.Key_End)
    assert session.frame == 79
    keys(Qt.Key_Right)
    assert session.frame == 79, "stepping stops at the last frame"
    keys(Qt.Key_Home)
    assert session.frame == 0
    keys(Qt.Key_Left)
    assert session.frame == 0


def test_j_k_l_shuttle(window, keys, qtbot):
    playback = window.playback
    keys(Qt.Key_L)
    assert playback.speed == 1
    keys(Qt.Key_L)
    assert playback.speed == 2, "L again plays twice as fast"
    qtbot.waitUntil(lambda: window.session.frame >= 6, timeout=5000)
    keys(Qt.Key_K)
    assert playback.speed == 0
    stopped = window.session.frame
    qtbot.wait(100)
    assert window.session.frame == stopped, "K pauses"
    keys(Qt.Key_J)
    assert playback.speed == -1
    keys(Qt.Key_J)
    assert playback.speed == -2
    qtbot.waitUntil(lambda: window.session.frame < stopped, timeout=5000)
    keys(Qt.Key_L)
    assert playback.speed == 1, "L while playing backwards plays forwards"
    keys(Qt.Key_K)
    keys(Qt.Key_End)
    keys(Qt.Key_L)
    assert window.session.frame == 0, "playing from the last frame starts over"
    keys(Qt.Key_K)


def test_space_plays_and_pauses_wherever_the_focus_is(window, keys, qtbot):
    keys(Qt.Key_Space)  # on the viewer (tapped, not held for panning)
    assert window.playback.playing
    qtbot.waitUntil(lambda: window.session.frame > 0, timeout=3000)
    keys(Qt.Key_Space)
    assert not window.playback.playing
    window.timeline.setFocus()
    keys(Qt.Key_Space, window.timeline)
    assert window.playback.playing
    keys(Qt.Key_Space, window.timeline)
    assert not window.playback.playing


def test_playback_stops_at_the_end(window, keys, qtbot):
    window.session.set_frame(76)
    keys(Qt.Key_L)
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=3000)
    assert window.session.frame == 79
    wait_for_frame(qtbot, window, 79)


def test_brackets_resize_the_brush_and_letters_pick_tools_and_layers(window, keys):
    radius = window.brush.radius
    keys(Qt.Key_BracketRight)
    assert window.brush.radius > radius
    keys(Qt.Key_BracketLeft)
    keys(Qt.Key_BracketLeft)
    assert window.brush.radius < radius
    assert window.properties_panel.size.value() == round(window.brush.radius * 2), "the panel follows"
    keys(Qt.Key_E)
    assert window.canvas.tool is window.tools["eraser"] and window.actions.eraser.isChecked()
    keys(Qt.Key_P)
    assert window.canvas.tool is window.tools["lasso"]
    keys(Qt.Key_S)
    assert window.canvas.tool is window.tools["clone"] and window.actions.clone.isChecked()
    assert window.canvas.show_result, "the clone stamp paints the frame's content: it is shown"
    keys(Qt.Key_B)
    assert window.canvas.tool is window.tools["brush"]
    keys(Qt.Key_M)
    assert not window.canvas.show_masks
    keys(Qt.Key_H)
    assert window.canvas.show_heat
    keys(Qt.Key_W)
    assert window.canvas.show_wipe


def test_undo_redo_keys(window, keys):
    project = window.session.project
    window.objects_panel.add_object()
    assert len(project.objects) == 2
    keys(Qt.Key_Z, modifier=Qt.ControlModifier)
    assert len(project.objects) == 1
    keys(Qt.Key_Z, modifier=Qt.ControlModifier | Qt.ShiftModifier)
    assert len(project.objects) == 2


def test_typing_in_a_field_is_not_a_shortcut(window, keys):
    feather = window.properties_panel.feather
    feather.setFocus()
    keys(Qt.Key_Right, feather)
    keys(Qt.Key_L, feather)
    keys(Qt.Key_End, feather)
    assert window.session.frame == 0 and not window.playback.playing
