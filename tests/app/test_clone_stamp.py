"""The clone stamp on the viewer: Alt-click sets the source, a stroke copies pixels from it into the
shown frame's content and makes the frame a content keyframe; each stroke is one undo step."""

import numpy as np
from PySide6.QtCore import Qt

from app.viewer.layers import image_array
from tests.app.conftest import wait_for_frame
from tests.app.test_painting import drag, widget_point

RENDER_TIMEOUT_MS = 30000
RADIUS = 8


def _distance_to_segment(shape, a, b) -> np.ndarray:
    """Distance (pixels) of every pixel of an ``(H, W)`` image to the segment ``a``-``b`` (x, y)."""
    ys, xs = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    (ax, ay), (bx, by) = a, b
    t = np.clip(((xs - ax) * (bx - ax) + (ys - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2), 0, 1)
    return np.hypot(xs - (ax + t * (bx - ax)), ys - (ay + t * (by - ay)))


def _clone_tool_on(window, qtbot, frame):
    window.session.set_frame(frame)
    wait_for_frame(qtbot, window, frame)
    window.actions.clone.trigger()
    assert window.canvas.tool is window.tools["clone"] and window.canvas.show_result
    qtbot.waitUntil(lambda: window.canvas.result is not None, timeout=RENDER_TIMEOUT_MS)
    window.brush.update(radius=RADIUS, hardness=1.0, opacity=1.0)
    return window.canvas, window.tools["clone"]


def test_a_clone_stroke_makes_a_content_keyframe_and_undo_removes_it(window, qtbot):
    project = window.session.project
    canvas, tool = _clone_tool_on(window, qtbot, 10)  # no mask on frame 10: its content is the source frame
    source = image_array(canvas.source)
    drag(qtbot, canvas, [(100, 120), (140, 120)])
    assert project.content_keyframes() == [], "no source point yet: nothing is painted"
    assert "Alt-click" in window.status.currentMessage(), "and the status bar says what to do"
    qtbot.mouseClick(canvas, Qt.LeftButton, Qt.AltModifier, widget_point(canvas, 300, 60))
    drag(qtbot, canvas, [(100, 120), (120, 120), (140, 120)])
    assert project.content_keyframes() == [10]
    fixed = project.content_keyframe(10)
    dx, dy = tool.offset
    assert abs(dx - 200) <= 1 and abs(dy + 60) <= 1, "offset: source point - where the stroke began"
    distance = _distance_to_segment(source.shape[:2], (100, 120), (140, 120))
    changed = np.any(fixed != source, axis=2)
    assert changed.any() and not changed[distance > RADIUS + 1].any(), "nothing changes outside the brush"
    core = distance <= RADIUS - 1.5
    ys, xs = np.nonzero(core)
    assert np.array_equal(fixed[ys, xs], source[ys + dy, xs + dx]), "the stroke holds the source's pixels"
    assert changed[core].mean() > 0.9, "and they differ from the frame's own pixels there"
    assert np.array_equal(image_array(canvas.result), fixed), "the viewer shows the fixed frame at once"
    assert window.keyframes_panel.tree.topLevelItemCount() == 6

    # a second stroke paints on the fixed frame (same offset: aligned); undo takes the strokes back one by one
    drag(qtbot, canvas, [(200, 180)])
    twice = project.content_keyframe(10)
    assert np.array_equal(twice[180, 200], source[180 + dy, 200 + dx])
    assert np.array_equal(twice[120, 120], fixed[120, 120])
    window.actions.undo.trigger()
    assert np.array_equal(project.content_keyframe(10), fixed)
    window.actions.undo.trigger()
    assert project.content_keyframes() == [] and project.content_keyframe(10) is None
    assert window.keyframes_panel.tree.topLevelItemCount() == 5
    window.actions.redo.trigger()
    window.actions.redo.trigger()
    assert np.array_equal(project.content_keyframe(10), twice)


def test_the_clone_stamp_paints_on_the_removal_result(window, qtbot):
    project = window.session.project
    canvas, tool = _clone_tool_on(window, qtbot, 20)  # a mask keyframe: the rider is removed in the result
    result, source = image_array(canvas.result), image_array(canvas.source)
    assert not np.array_equal(result, source)
    qtbot.mouseClick(canvas, Qt.LeftButton, Qt.ControlModifier, widget_point(canvas, 40, 40))
    drag(qtbot, canvas, [(40, 200)])
    fixed = project.content_keyframe(20)
    far = _distance_to_segment(source.shape[:2], (40, 200), (40.01, 200)) > RADIUS + 1
    assert np.array_equal(fixed[far], result[far]), "outside the stroke: the removal result, not the source"
