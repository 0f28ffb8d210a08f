"""Paint tools: brush, eraser, lasso and clone stamp. Each finished stroke is one undo step.

A tool collects points (image pixels) while the button is down and draws a live preview; on
release the mask tools ask ``core.mask_paint`` for the new mask and push a :class:`SetMaskCommand`,
which makes the frame a mask keyframe of the active object. The clone stamp paints the frame's
pixels instead (``core.clone_stamp``) and makes the frame a content keyframe.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF

from app.commands import AddObjectCommand, PaintContentCommand, SetMaskCommand
from app.session import Session
from app.viewer.layers import frame_image
from core.clone_stamp import clone_stroke, stroke_offset
from core.mask_paint import fill_polygon, paint_stroke, solid_radius

MIN_RADIUS, MAX_RADIUS = 1.0, 400.0
RADIUS_STEP = 1.2  # [ and ] change the size by this factor
GESTURES = (  # for Help › Keyboard shortcuts
    ("Alt held while painting", "Brush and lasso erase; the eraser paints"),
    ("Alt-click or Ctrl-click (clone stamp)", "Set where the clone stamp copies from"),
)


class BrushSettings(QObject):
    """Brush size (radius, pixels of the image), hardness and opacity (0..1)."""

    changed = Signal()

    def __init__(self, radius: float = 12.0, hardness: float = 0.8, opacity: float = 1.0) -> None:
        super().__init__()
        self.radius, self.hardness, self.opacity = radius, hardness, opacity

    def update(self, **values) -> None:
        for key, value in values.items():
            if key == "radius":
                value = min(max(float(value), MIN_RADIUS), MAX_RADIUS)
            setattr(self, key, value)
        self.changed.emit()

    def grow(self) -> None:
        self.update(radius=max(self.radius * RADIUS_STEP, self.radius + 1))

    def shrink(self) -> None:
        self.update(radius=min(self.radius / RADIUS_STEP, self.radius - 1))


class PaintTool:
    """Common part: the target (shown frame, active object) and pushing the result."""

    name = "tool"

    def __init__(self, session: Session, settings: BrushSettings, frame_of_view) -> None:
        self.session, self.settings = session, settings
        self._frame_of_view = frame_of_view  # () -> the frame index the viewer shows
        self.points: list[tuple[float, float]] = []
        self.erase = False

    def cursor_radius(self) -> float:
        return 0.0

    def hover(self, point: QPointF | None) -> None:
        """The pointer is over ``point`` (image pixels), or left the viewer (None)."""

    def press(self, point: QPointF, button, modifiers) -> None:
        if button != Qt.LeftButton or self.session.project is None:
            return
        self.erase = self._erases(modifiers)
        self.points = [(point.x(), point.y())]

    def move(self, point: QPointF, buttons, modifiers) -> None:
        if self.points and buttons & Qt.LeftButton:
            self.points.append((point.x(), point.y()))

    def release(self, point: QPointF, button, modifiers) -> None:
        if button != Qt.LeftButton or not self.points:
            return
        points, self.points = self.points, []
        self.apply(points)

    def apply(self, points: list[tuple[float, float]]) -> None:
        """Paint ``points`` on the shown frame of the active object: one undo step."""
        session, project, frame = self.session, self.session.project, self._frame_of_view()
        if project is None or frame is None:
            return
        oid = session.active_object
        current = project.mask(oid, frame) if oid is not None else None
        if current is None:
            current = np.zeros((project.clip.height, project.clip.width), np.uint8)
        new = self.paint(current, points)
        if np.array_equal(new, current):
            return  # nothing painted (e.g. erasing where there is no mask): no undo step
        label = self.name.capitalize()
        if oid is None:  # the first stroke on a project without objects creates one
            session.undo_stack.beginMacro(label)
            add = AddObjectCommand(project, session.refs)
            session.push(add)
            session.set_active_object(add.ref.id)
            session.push(SetMaskCommand(project, add.ref, frame, new, label))
            session.undo_stack.endMacro()
        else:
            session.push(SetMaskCommand(project, session.object_ref(oid), frame, new, label))

    def paint(self, mask: np.ndarray, points) -> np.ndarray:
        raise NotImplementedError

    def draw_preview(self, painter: QPainter, scale: float) -> None:
        pass

    def _erases(self, modifiers) -> bool:
        return bool(modifiers & Qt.AltModifier)

    def _colour(self) -> QColor:
        project, oid = self.session.project, self.session.active_object
        if self.erase:
            return QColor(20, 20, 20, 170)
        if project is None or oid is None:
            return QColor(255, 64, 64, 150)
        return QColor(*project.object(oid).colour, 150)


class BrushTool(PaintTool):
    """Round brush; with ``eraser=True`` (or Alt held) it clears instead."""

    def __init__(self, session, settings, frame_of_view, *, eraser: bool = False) -> None:
        super().__init__(session, settings, frame_of_view)
        self.eraser = eraser
        self.name = "eraser" if eraser else "brush"

    def cursor_radius(self) -> float:
        return self.settings.radius

    def _erases(self, modifiers) -> bool:
        return self.eraser != bool(modifiers & Qt.AltModifier)

    def paint(self, mask, points):
        s = self.settings
        return paint_stroke(mask, points, s.radius, hardness=s.hardness, opacity=s.opacity, erase=self.erase)

    def draw_preview(self, painter: QPainter, scale: float) -> None:
        if not self.points:
            return
        s = self.settings
        width = 2 * solid_radius(s.radius, hardness=s.hardness, opacity=s.opacity)
        if width <= 0:
            return
        path = _stroke_path(self.points)
        painter.setPen(QPen(self._colour(), width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(path)


class LassoTool(PaintTool):
    """Freehand polygon, filled on release (Alt: cleared)."""

    name = "lasso"

    def paint(self, mask, points):
        return fill_polygon(mask, points, erase=self.erase)

    def draw_preview(self, painter: QPainter, scale: float) -> None:
        if len(self.points) < 2:
            return
        polygon = QPolygonF([QPointF(x, y) for x, y in self.points])
        fill = self._colour()
        fill.setAlpha(90)
        painter.setBrush(fill)
        painter.setPen(QPen(QColor(255, 255, 255, 230), 1.5 / scale, Qt.DashLine))
        painter.drawPolygon(polygon)


class CloneTool(PaintTool):
    """Clone stamp: Alt- or Ctrl-click sets the source point; a stroke then copies the shown frame's
    pixels from there with the brush's size, hardness and opacity. Aligned, as in photo editors: the
    offset between the source and where the first stroke began is kept for the strokes after it,
    until a new source is set. The pixels come from ``content_of_view()`` (the frame as it is now:
    its hand fix, else the removal result, else the source frame); the stroke makes it a content
    keyframe.
    """

    name = "clone"

    def __init__(self, session, settings, frame_of_view, content_of_view, notice=lambda message: None) -> None:
        super().__init__(session, settings, frame_of_view)
        self._content_of_view, self._notice = content_of_view, notice
        self.source: tuple[float, float] | None = None  # image pixels
        self.offset: tuple[int, int] | None = None  # source - stroke, once the first stroke began
        self._hover: tuple[float, float] | None = None
        self._frame = self._base = self._base_image = None  # the frame being painted: index, array, QImage
        session.projectReplaced.connect(self._forget_source)

    def cursor_radius(self) -> float:
        return self.settings.radius

    def hover(self, point: QPointF | None) -> None:
        self._hover = None if point is None else (point.x(), point.y())

    def press(self, point: QPointF, button, modifiers) -> None:
        if button != Qt.LeftButton or self.session.project is None:
            return
        if modifiers & (Qt.AltModifier | Qt.ControlModifier):
            self.source, self.offset = (point.x(), point.y()), None
            return
        if self.source is None:
            self._notice("Clone stamp: Alt-click (or Ctrl-click) where to copy from first.")
            return
        frame, base = self._frame_of_view(), self._content_of_view()
        if frame is None or base is None:
            return
        if self.offset is None:
            self.offset = stroke_offset(self.source, (point.x(), point.y()))
        self._frame, self._base, self._base_image = frame, base, frame_image(base)
        self.points = [(point.x(), point.y())]

    def apply(self, points: list[tuple[float, float]]) -> None:
        frame, base = self._frame, self._base  # as the stroke began, even if the view moved on since
        self._frame = self._base = self._base_image = None
        project = self.session.project
        if base is None or project is None:
            return
        s = self.settings
        painted = clone_stroke(base, points, self.offset, s.radius, hardness=s.hardness, opacity=s.opacity)
        if not np.array_equal(painted, base):
            self.session.push(PaintContentCommand(project, frame, painted, "Clone stamp"))

    def draw_preview(self, painter: QPainter, scale: float) -> None:
        if self.points and self._base_image is not None:
            self._draw_stroke(painter)
        marker = self._source_marker()
        if marker is not None:
            _draw_crosshair(painter, QPointF(*marker), scale)

    def _draw_stroke(self, painter: QPainter) -> None:
        """The copied pixels under the stroke so far, at the brush's half-coverage edge."""
        s = self.settings
        stroker = QPainterPathStroker()
        stroker.setWidth(s.radius * (1 + s.hardness))
        stroker.setCapStyle(Qt.RoundCap)
        stroker.setJoinStyle(Qt.RoundJoin)
        painter.save()
        painter.setClipPath(stroker.createStroke(_stroke_path(self.points)))
        painter.setOpacity(s.opacity)
        painter.drawImage(QPointF(-self.offset[0], -self.offset[1]), self._base_image)
        painter.restore()

    def _source_marker(self) -> tuple[float, float] | None:
        """Where pixels are (or will be) copied from: follows the brush once the offset is set."""
        if self.offset is None:
            return self.source
        at = self.points[-1] if self.points else self._hover
        return None if at is None else (at[0] + self.offset[0], at[1] + self.offset[1])

    def _forget_source(self) -> None:
        self.source = self.offset = None


def _stroke_path(points: list[tuple[float, float]]) -> QPainterPath:
    path = QPainterPath(QPointF(*points[0]))
    for x, y in points[1:]:
        path.lineTo(x, y)
    if len(points) == 1:
        path.lineTo(points[0][0] + 0.01, points[0][1])  # a dab: a path with some length to stroke
    return path


def _draw_crosshair(painter: QPainter, at: QPointF, scale: float) -> None:
    size = 7 / scale
    painter.setBrush(Qt.NoBrush)
    for colour, width in ((QColor(0, 0, 0, 170), 3.0), (QColor(255, 255, 255, 235), 1.2)):
        painter.setPen(QPen(colour, width / scale))
        painter.drawEllipse(at, size, size)
        painter.drawLine(at - QPointF(2 * size, 0), at + QPointF(2 * size, 0))
        painter.drawLine(at - QPointF(0, 2 * size), at + QPointF(0, 2 * size))
