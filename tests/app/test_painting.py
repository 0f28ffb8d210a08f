"""Painting on the viewer changes the project's mask of the shown frame; undo puts it back."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from core.project import MaskKind
from tests.app.conftest import wait_for_frame


def widget_point(canvas, x: float, y: float) -> QPoint:
    return canvas.to_widget(QPointF(x, y)).toPoint()


def drag(qtbot, canvas, points, modifier=Qt.NoModifier) -> None:
    """A left-button stroke through image points ``[(x, y), ...]``."""
    first, *rest = [widget_point(canvas, x, y) for x, y in points]
    qtbot.mousePress(canvas, Qt.LeftButton, modifier, first)
    for p in rest:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, Qt.LeftButton, modifier, rest[-1] if rest else first)


def test_a_stroke_paints_a_keyframe_and_undo_restores_it(window, qtbot):
    window.session.set_frame(10)  # no mask yet: the stroke makes frame 10 a keyframe
    wait_for_frame(qtbot, window, 10)
    project, oid = window.session.project, window.session.active_object
    assert project.mask(oid, 10) is None
    window.brush.update(radius=6, hardness=1.0, opacity=1.0)
    drag(qtbot, window.canvas, [(50, 100), (90, 100), (130, 110)])
    mask = project.mask(oid, 10)
    assert mask is not None and project.mask_kind(oid, 10) == MaskKind.KEYFRAME
    assert mask[100, 70] == 255 and mask[100, 50] == 255, "pixels along the stroke are painted"
    assert mask[30, 30] == 0 and mask[200, 300] == 0, "pixels far from the stroke are not"
    assert 10 in project.mask_keyframes()
    assert window.canvas.mask_layer is not None, "the new mask is drawn"
    assert window.keyframes_panel.tree.topLevelItemCount() == 6
    window.actions.undo.trigger()
    assert project.mask(oid, 10) is None and 10 not in project.mask_keyframes()
    assert window.keyframes_panel.tree.topLevelItemCount() == 5
    window.actions.redo.trigger()
    assert np.array_equal(project.mask(oid, 10), mask)


def test_eraser_and_alt_clear_and_undo_brings_back_the_keyframe(window, qtbot):
    project, oid = window.session.project, window.session.active_object
    before = project.mask(oid, 0).copy()
    ys, xs = np.nonzero(before)
    cx, cy = float(np.median(xs)), float(np.median(ys))
    window.brush.update(radius=20, hardness=1.0, opacity=1.0)
    window.actions.eraser.trigger()
    drag(qtbot, window.canvas, [(cx, cy), (cx + 1, cy)])
    erased = project.mask(oid, 0)
    assert erased[int(cy), int(cx)] == 0 and erased.sum() < before.sum()
    window.actions.undo.trigger()
    assert np.array_equal(project.mask(oid, 0), before)
    window.actions.brush.trigger()  # Alt turns the brush into an eraser for one stroke
    drag(qtbot, window.canvas, [(cx, cy), (cx + 1, cy)], Qt.AltModifier)
    assert project.mask(oid, 0)[int(cy), int(cx)] == 0
    window.actions.undo.trigger()
    assert np.array_equal(project.mask(oid, 0), before)


def test_lasso_fills_the_polygon(window, qtbot):
    project, oid = window.session.project, window.session.active_object
    window.actions.lasso.trigger()
    before = project.mask(oid, 0).copy()
    drag(qtbot, window.canvas, [(10, 10), (60, 10), (60, 50), (10, 50)])
    after = project.mask(oid, 0)
    assert after[30, 35] == 255 and before[30, 35] == 0
    assert after[100, 200] == before[100, 200], "outside the polygon nothing changed"
    assert window.session.undo_stack.count() == 1, "one lasso, one undo step"


def test_panning_and_playback_do_not_paint(window, qtbot):
    window.actions.layer_masks.setChecked(False)  # hiding the overlay is not an edit
    qtbot.mousePress(window.canvas, Qt.MiddleButton, pos=QPoint(200, 200))
    qtbot.mouseMove(window.canvas, QPoint(260, 230))
    qtbot.mouseRelease(window.canvas, Qt.MiddleButton, pos=QPoint(260, 230))
    assert window.session.undo_stack.count() == 0
    assert not window.session.project.dirty


def test_first_stroke_without_objects_creates_one(window, qtbot):
    session = window.session
    window.objects_panel.remove_object()
    assert session.project.objects == [] and session.active_object is None
    drag(qtbot, window.canvas, [(100, 100), (120, 100)])
    assert len(session.project.objects) == 1
    oid = session.active_object
    assert session.project.mask(oid, 0)[100, 110] == 255
    window.actions.undo.trigger()  # the new object and its stroke are one step
    assert session.project.objects == []
    window.actions.undo.trigger()  # and the removed object comes back with its five keyframes
    assert session.project.mask_keyframes() == [0, 20, 40, 60, 79]
