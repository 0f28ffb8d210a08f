"""Paint tools: brush, eraser and lasso. Each finished stroke is one command on the undo stack.

A tool collects points (image pixels) while the button is down and draws a live preview; on
release it asks ``core.mask_paint`` for the new mask and pushes a :class:`SetMaskCommand`, which
makes the frame a mask keyframe of the active object.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from app.commands import AddObjectCommand, SetMaskCommand
from app.session import Session
from core.mask_paint import fill_polygon, paint_stroke, solid_radius

MIN_RADIUS, MAX_RADIUS = 1.0, 400.0
RADIUS_STEP = 1.2  # [ and ] change the size by this factor


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
        path = QPainterPath(QPointF(*self.points[0]))
        for x, y in self.points[1:]:
            path.lineTo(x, y)
        if len(self.points) == 1:
            path.lineTo(self.points[0][0] + 0.01, self.points[0][1])
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
