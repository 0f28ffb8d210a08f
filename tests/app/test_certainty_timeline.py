"""The propagation's certainty on the timeline (issue 15): unsure frames drawn red on their
object's band, and U jumps to the least certain propagated frame."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence

from app.timeline.timeline_widget import CERTAINTY_H, RULER_H, THUMB_H


def strip_colour(timeline, frame: int) -> QColor:
    """The certainty strip's colour at ``frame`` (beside the playhead's line)."""
    image = timeline.grab().toImage()
    y = RULER_H + THUMB_H - CERTAINTY_H // 2
    return QColor(image.pixel(round(timeline.frame_to_x(frame)) + 4, y))


def test_u_jumps_to_the_least_certain_propagated_frame_drawn_red(window, qtbot):
    project, oid, timeline = window.session.project, window.session.active_object, window.timeline
    mask = project.mask(oid, project.mask_keyframes()[0]).copy()
    project.set_propagated_masks(oid, {f: mask for f in (5, 12, 30)})
    assert window.actions.least_certain.shortcut() == QKeySequence("U")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_U)
    assert window.session.frame == 0, "no certainty known yet: the playhead stays"
    timeline.set_certainty({oid: {5: 0.9, 12: 0.2, 30: 0.6}})
    qtbot.keyClick(window.canvas, Qt.Key_U)
    assert window.session.frame == 12
    sure, unsure = strip_colour(timeline, 5), strip_colour(timeline, 12)
    assert unsure.red() > sure.red() + 120 and unsure.green() < 80, (sure.name(), unsure.name())
    project.set_mask(oid, 12, mask)  # painted since: a keyframe now, no longer a candidate
    window.actions.least_certain.trigger()
    assert window.session.frame == 30
