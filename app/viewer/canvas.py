"""The viewer widget: one frame and its layers, zoom and pan, the wipe line, the tool cursor.

It draws what it is given (images for one frame index) and turns mouse input into image
coordinates for the active tool; it never reads the project itself (see ``controller.py``).
Zoom: wheel (around the cursor), fit, 1:1. Pan: middle drag or space + drag.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QWidget

from app.spinner import RenderingBadge
from app.theme import ACCENT, BACKGROUND
from app.viewer.layers import heat_colour

ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.05, 32.0
WIPE_GRAB_PX = 7
BADGE_MARGIN = 10
NOTHING_OPEN = ("Drop a clip, an image folder or a .keyfill project here\n"
                "or choose File › New project from clip… or File › Open project…")
GESTURES = (  # what the mouse does here, for Help › Keyboard shortcuts
    ("Wheel", "Zoom around the cursor"),
    ("Middle drag, or Space held + drag", "Pan"),
    ("Drag the wipe line", "Move the before / after split"),
)


class ViewerCanvas(QWidget):
    playToggleRequested = Signal()  # space tapped (not held for panning)
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(320, 200)
        self.frame_index: int | None = None
        self.source: QImage | None = None
        self.result: QImage | None = None
        self.mask_layer: QImage | None = None
        self.heat_layer: QImage | None = None
        self.show_masks = True
        self.show_result = False
        self.show_heat = False
        self.show_wipe = False
        self.wipe = 0.5  # position of the wipe line, fraction of the width
        self.tool = None  # see tools.py: press / move / release / draw_preview / cursor_radius
        self.message = NOTHING_OPEN
        self._scale = 1.0
        self._offset = QPointF(0, 0)
        self._fit = True
        self._hover: QPointF | None = None
        self._pan_from: QPointF | None = None
        self._space_held = False
        self._panned_with_space = False
        self._dragging_wipe = False
        self.rendering_badge = RenderingBadge("Rendering preview", self)

    # --- content ---------------------------------------------------------------------------
    def set_frame(self, index: int, source: QImage) -> None:
        """Show frame ``index``; its overlays are cleared until they are set for this index."""
        first = self.source is None or self.source.size() != source.size()
        if index != self.frame_index:
            self.result = self.heat_layer = None
        self.frame_index, self.source = index, source
        if first:
            self.fit()
        self.update()

    def clear(self, message: str) -> None:
        self.frame_index = self.source = self.result = self.mask_layer = self.heat_layer = None
        self.message = message
        self.update()

    def set_layers(self, **layers) -> None:
        """``mask_layer``, ``result``, ``heat_layer`` (QImage or None) for the shown frame."""
        for name, value in layers.items():
            setattr(self, name, value)
        self.update()

    def set_rendering(self, on: bool, text: str = "Rendering preview") -> None:
        """Show the corner badge while the shown frame's removal is being rendered (``text``: what
        the badge says, e.g. that playback shows the original until the frame is cleaned)."""
        if self.rendering_badge.label.text() != text:
            self.rendering_badge.label.setText(text)
            self.rendering_badge.adjustSize()
        self._place_badge()
        self.rendering_badge.setVisible(on)

    def image_size(self) -> tuple[int, int] | None:
        return None if self.source is None else (self.source.width(), self.source.height())

    def composite(self) -> QImage | None:
        """What the viewer shows, at the image's own resolution (no zoom, no tool preview)."""
        if self.source is None:
            return None
        out = QImage(self.source.size(), QImage.Format_RGB888)
        painter = QPainter(out)
        self._draw_layers(painter)
        painter.end()
        return out

    # --- zoom and pan ----------------------------------------------------------------------
    @property
    def scale(self) -> float:
        return self._scale

    def fit(self) -> None:
        self._fit = True
        if self.source is None:
            return
        margin = 16
        sw = (self.width() - 2 * margin) / self.source.width()
        sh = (self.height() - 2 * margin) / self.source.height()
        self._set_scale(max(min(sw, sh), MIN_SCALE), center=True)

    def one_to_one(self) -> None:
        self._fit = False
        self._set_scale(1.0, center=True)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self._fit = False
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        before = self.to_image(anchor)
        self._scale = max(MIN_SCALE, min(self._scale * factor, MAX_SCALE))
        self._offset = anchor - before * self._scale
        self.zoomChanged.emit(self._scale)
        self.update()

    def to_image(self, point: QPointF) -> QPointF:
        return (QPointF(point) - self._offset) / self._scale

    def to_widget(self, point: QPointF) -> QPointF:
        return QPointF(point) * self._scale + self._offset

    def _set_scale(self, scale: float, center: bool) -> None:
        self._scale = scale
        if center and self.source is not None:
            self._offset = QPointF((self.width() - self.source.width() * scale) / 2,
                                   (self.height() - self.source.height() * scale) / 2)
        self.zoomChanged.emit(scale)
        self.update()

    # --- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.source is None:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(self.rect(), Qt.AlignCenter, self.message)
            return
        painter.setTransform(QTransform.fromTranslate(self._offset.x(), self._offset.y()).scale(self._scale, self._scale))
        painter.setRenderHint(QPainter.SmoothPixmapTransform, self._scale < 2.0)
        self._draw_layers(painter)
        if self.tool is not None:
            painter.setRenderHint(QPainter.Antialiasing)
            self.tool.draw_preview(painter, self._scale)
            self._draw_cursor(painter)
        painter.resetTransform()
        if self._wipe_visible():
            self._draw_wipe_line(painter)
        if self.show_heat and self.heat_layer is not None:
            self._draw_heat_legend(painter)

    def _draw_layers(self, painter: QPainter) -> None:
        w, h = self.source.width(), self.source.height()
        showing_result = (self.show_result or self.show_wipe) and self.result is not None
        after = self.result if showing_result else self.source
        if self._wipe_visible():
            split = self.wipe * w
            painter.drawImage(QRectF(0, 0, split, h), self.source, QRectF(0, 0, split, h))
            painter.drawImage(QRectF(split, 0, w - split, h), after, QRectF(split, 0, w - split, h))
            masked = QRectF(0, 0, split, h)
        else:
            painter.drawImage(0, 0, after)
            masked = QRectF(0, 0, w, h)
        if self.show_masks and self.mask_layer is not None:
            painter.drawImage(masked, self.mask_layer, masked)
        if self.show_heat and self.heat_layer is not None:
            painter.drawImage(QRectF(0, 0, w, h), self.heat_layer)

    def _wipe_visible(self) -> bool:
        return self.show_wipe and self.source is not None

    def _wipe_x(self) -> float:
        return self.to_widget(QPointF(self.wipe * self.source.width(), 0)).x()

    def _draw_wipe_line(self, painter: QPainter) -> None:
        x = self._wipe_x()
        top = self.to_widget(QPointF(0, 0)).y()
        bottom = self.to_widget(QPointF(0, self.source.height())).y()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 220), 2))
        painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        painter.setBrush(ACCENT)
        painter.drawEllipse(QPointF(x, (top + bottom) / 2), 7, 7)
        painter.setPen(QColor(235, 235, 235))
        painter.drawText(QPointF(x - 60, top + 16), "before")
        painter.drawText(QPointF(x + 10, top + 16), "after")

    def _draw_cursor(self, painter: QPainter) -> None:
        radius = self.tool.cursor_radius()
        if self._hover is None or not radius:
            return
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 160), 3 / self._scale))
        painter.drawEllipse(self._hover, radius, radius)
        painter.setPen(QPen(QColor(255, 255, 255, 230), 1.2 / self._scale))
        painter.drawEllipse(self._hover, radius, radius)

    def _draw_heat_legend(self, painter: QPainter) -> None:
        x, y, w, h = 20, self.height() - 42, 170, 10
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(20, 20, 22, 200))  # readable over the frame when zoomed in
        painter.drawRoundedRect(QRectF(x - 8, y - 8, w + 16, h + 30), 4, 4)
        for i in range(w):
            painter.fillRect(x + i, y, 1, h, QColor(*heat_colour(i / (w - 1))))
        painter.setPen(QColor(220, 220, 220))
        metrics = painter.fontMetrics()
        painter.drawText(x, y + h + 15, "flows disagree")
        painter.drawText(x + w - metrics.horizontalAdvance("agree"), y + h + 15, "agree")

    # --- input -----------------------------------------------------------------------------
    def event(self, event) -> bool:
        if event.type() == event.Type.ShortcutOverride and event.key() == Qt.Key_Space:
            event.accept()  # space is ours: held = pan, tapped = play / pause
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space:
            if not event.isAutoRepeat():
                self._space_held, self._panned_with_space = True, False
                self.setCursor(Qt.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = False
                self.unsetCursor()
                if not self._panned_with_space:
                    self.playToggleRequested.emit()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        pos = event.position()
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space_held):
            self._pan_from = pos
            self._panned_with_space = self._space_held
            self.setCursor(Qt.ClosedHandCursor)
        elif event.button() == Qt.LeftButton and self._wipe_visible() and abs(pos.x() - self._wipe_x()) <= WIPE_GRAB_PX:
            self._dragging_wipe = True
        elif self.tool is not None and self.source is not None and self.frame_index is not None:
            self.tool.press(self.to_image(pos), event.button(), event.modifiers())
            self.update()

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        self._hover = self.to_image(pos)
        if self.tool is not None:
            self.tool.hover(self._hover)
        if self._pan_from is not None:
            self._offset += pos - self._pan_from
            self._pan_from = pos
            self._fit = False
        elif self._dragging_wipe:
            x = self.to_image(pos).x() / max(self.source.width(), 1)
            self.wipe = min(max(x, 0.0), 1.0)
        elif self.tool is not None and event.buttons():
            self.tool.move(self.to_image(pos), event.buttons(), event.modifiers())
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.setCursor(Qt.OpenHandCursor) if self._space_held else self.unsetCursor()
        elif self._dragging_wipe:
            self._dragging_wipe = False
        elif self.tool is not None and self.frame_index is not None:
            self.tool.release(self.to_image(event.position()), event.button(), event.modifiers())
        self.update()

    def leaveEvent(self, event) -> None:
        self._hover = None
        if self.tool is not None:
            self.tool.hover(None)
        self.update()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP ** steps, event.position())

    def resizeEvent(self, event) -> None:
        if self._fit:
            self.fit()
        self._place_badge()
        super().resizeEvent(event)

    def _place_badge(self) -> None:
        badge = self.rendering_badge
        badge.move(self.width() - badge.width() - BADGE_MARGIN, BADGE_MARGIN)
