"""The viewer shows the decoded frame the timeline points at, with its layers."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from app.viewer.layers import image_array
from core.video import open_clip
from tests.app.conftest import SAMPLE, wait_for_frame


def decoded(frame: int) -> np.ndarray:
    with open_clip(SAMPLE) as reader:
        return np.array(reader.frame(frame))


def test_sample_opens_with_its_keyframe_masks(window):
    project = window.session.project
    assert project.clip.frame_count == 80 and (project.clip.width, project.clip.height) == (432, 240)
    assert project.mask_keyframes() == [0, 20, 40, 60, 79]
    assert window.canvas.mask_layer is not None, "the keyframe's mask is drawn over frame 0"
    assert window.keyframes_panel.tree.topLevelItemCount() == 5
    assert "bmx-trees.mp4" in window.windowTitle()


def test_scrubbing_shows_that_frames_pixels(window, qtbot):
    timeline = window.timeline
    x = round(timeline.frame_to_x(37))
    qtbot.mouseClick(timeline, Qt.LeftButton, pos=QPoint(x, timeline.height() // 2))
    assert window.session.frame == 37
    wait_for_frame(qtbot, window, 37)
    expected = decoded(37)
    assert np.array_equal(image_array(window.canvas.source), expected)
    window.actions.layer_masks.setChecked(False)
    assert np.array_equal(image_array(window.canvas.composite()), expected), "what is shown is the frame itself"


def test_space_tapped_on_the_viewer_plays_held_pans(window, qtbot):
    canvas = window.canvas
    canvas.setFocus()
    qtbot.keyPress(canvas, Qt.Key_Space)
    qtbot.keyRelease(canvas, Qt.Key_Space)
    assert window.playback.playing
    window.playback.pause()
    before = canvas.to_widget(QPointF(0, 0))
    qtbot.keyPress(canvas, Qt.Key_Space)
    qtbot.mousePress(canvas, Qt.LeftButton, pos=QPoint(300, 300))
    qtbot.mouseMove(canvas, QPoint(340, 320))
    qtbot.mouseRelease(canvas, Qt.LeftButton, pos=QPoint(340, 320))
    qtbot.keyRelease(canvas, Qt.Key_Space)
    assert not window.playback.playing, "space held for panning does not toggle playback"
    assert canvas.to_widget(QPointF(0, 0)) != before
    assert window.session.undo_stack.count() == 0, "panning paints nothing"


def test_zoom_fit_and_one_to_one(window):
    canvas = window.canvas
    canvas.one_to_one()
    assert canvas.scale == 1.0
    canvas.zoom_by(2.0)
    assert canvas.scale == 2.0
    canvas.fit()
    w, h = canvas.image_size()
    assert canvas.scale * w <= canvas.width() and canvas.scale * h <= canvas.height()


def test_wipe_shows_source_left_and_result_right(window, qtbot):
    window.actions.layer_masks.setChecked(False)
    window.actions.layer_wipe.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.result is not None, timeout=30000)
    shown = image_array(window.canvas.composite())
    source, result = image_array(window.canvas.source), image_array(window.canvas.result)
    split = int(window.canvas.wipe * shown.shape[1])
    assert np.array_equal(shown[:, : split - 1], source[:, : split - 1])
    assert np.array_equal(shown[:, split + 1 :], result[:, split + 1 :])
    assert not np.array_equal(source, result), "frame 0 has a mask, so the removal changes it"


def test_flow_consistency_heat_map(window, qtbot):
    window.actions.layer_heat.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.heat_layer is not None, timeout=30000)
    assert window.canvas.heat_layer.size() == window.canvas.source.size()
    window.actions.heat_keyframe.trigger()
    assert window.viewer._heat_partner(5) == 0 and window.viewer._heat_partner(15) == 20


def test_the_empty_window_names_the_menu_items_that_open_something(make_window):
    """Without a project the viewer said only "Drop a clip … here": it names the File menu's
    items too, as the menu spells them."""
    from app.dialogs.shortcuts_sheet import name_of

    window = make_window()
    message = window.canvas.message
    assert message.startswith("Drop a clip")
    for action in (window.actions.new_clip, window.actions.open):
        assert f"File › {name_of(action)}" in message
