"""The timeline strip: ruler, thumbnails, markers and the playhead; click or drag to scrub.

Markers: mask keyframes (diamonds, object colour), propagated masks (thin band, object colour),
how unsure the propagation is of each propagated frame (a strip under the thumbnails, dark where
sure, red where unsure: :mod:`core.roto.certainty`), content keyframes (blue squares), frames
already rendered (green band). The tooltip says what the row under the pointer shows at that frame.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QToolTip, QWidget

from app.session import Session
from app.theme import ACCENT
from core.project import MaskKind
from core.roto.certainty import least_certain_frame

MARGIN = 10
RULER_H, THUMB_H, BAND_H, MARKER_H = 18, 48, 5, 16
RENDERED = QColor(70, 200, 110)
CONTENT = QColor(70, 150, 255)
SURE, UNSURE = QColor(20, 20, 22), QColor(255, 40, 30)  # the certainty strip, blended by the doubt
CERTAINTY_H = 4


class TimelineWidget(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.thumbnails: list[QImage] = []
        self.certainty: dict[int, dict[int, float]] = {}  # {object id: {frame: 0..1}} of the last propagation
        self.setMinimumHeight(RULER_H + THUMB_H + 3 * BAND_H + MARKER_H + 10)
        self.setFocusPolicy(Qt.ClickFocus)
        session.frameChanged.connect(self.update)
        session.projectChanged.connect(self.update)
        session.projectReplaced.connect(self._on_replaced)
        session.renderedChanged.connect(self.update)

    def set_thumbnails(self, thumbnails: list[QImage]) -> None:
        self.thumbnails = thumbnails
        self.update()

    def set_certainty(self, certainty: dict[int, dict[int, float]]) -> None:
        """How sure the last propagation was of each frame, per object: ``{object id: {frame: 0..1}}``
        (:func:`core.roto.certainty.frame_certainty`); replaces those objects' earlier values."""
        self.certainty.update({oid: dict(frames) for oid, frames in certainty.items()})
        self.update()

    def frame_certainty(self) -> dict[int, float]:
        """``{frame: 0..1}``: the least certainty over the objects that still have the frame as a
        propagated mask (a frame painted since is sure)."""
        project = self.session.project
        values: dict[int, float] = {}
        for obj in project.objects if project is not None else ():
            propagated = set(project.mask_frames(obj.id, MaskKind.PROPAGATED))
            for frame, value in self.certainty.get(obj.id, {}).items():
                if frame in propagated:
                    values[frame] = min(value, values.get(frame, 1.0))
        return values

    def least_certain_frame(self) -> int | None:
        """The propagated frame the propagation is least sure of; None if none is known."""
        return least_certain_frame(self.frame_certainty())

    def jump_to_least_certain(self) -> int | None:
        """Move the playhead to :meth:`least_certain_frame`; returns it (None: nothing to jump to)."""
        frame = self.least_certain_frame()
        if frame is not None:
            self.session.set_frame(frame)
        return frame

    def _on_replaced(self) -> None:
        self.thumbnails = []
        self.certainty = {}
        self.update()

    # --- geometry --------------------------------------------------------------------------
    def frame_to_x(self, frame: float) -> float:
        count = max(self.session.frame_count, 1)
        return MARGIN + (frame + 0.5) * (self.width() - 2 * MARGIN) / count

    def x_to_frame(self, x: float) -> int:
        count = max(self.session.frame_count, 1)
        return int((x - MARGIN) * count / max(self.width() - 2 * MARGIN, 1))

    # --- painting --------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 32))
        project = self.session.project
        if project is None:
            return
        self._draw_ruler(painter)
        self._draw_thumbnails(painter)
        self._draw_certainty(painter, RULER_H + THUMB_H - CERTAINTY_H)
        y = RULER_H + THUMB_H + 2
        self._draw_band(painter, y, self.session.render_cache.frames() if self.session.render_cache else (), RENDERED)
        for obj in project.objects:
            y += BAND_H
            self._draw_band(painter, y, project.mask_frames(obj.id, MaskKind.PROPAGATED), QColor(*obj.colour).darker(130))
        self._draw_markers(painter, RULER_H + THUMB_H + 3 * BAND_H + 4)
        self._draw_playhead(painter)

    def _draw_ruler(self, painter: QPainter) -> None:
        count = self.session.frame_count
        span = (self.width() - 2 * MARGIN) / max(count, 1)  # pixels per frame
        step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000, 2500, 5000) if s * span >= 44), 10000)
        painter.setPen(QColor(150, 150, 150))
        font = painter.font()
        font.setPointSizeF(7.5)
        painter.setFont(font)
        for frame in range(0, count, step):
            x = self.frame_to_x(frame)
            painter.drawLine(QPointF(x, RULER_H - 5), QPointF(x, RULER_H))
            painter.drawText(QPointF(x + 2, RULER_H - 6), str(frame))

    def _draw_thumbnails(self, painter: QPainter) -> None:
        if not self.thumbnails:
            painter.fillRect(QRectF(MARGIN, RULER_H, self.width() - 2 * MARGIN, THUMB_H), QColor(40, 40, 44))
            return
        n = len(self.thumbnails)
        slot = (self.width() - 2 * MARGIN) / n
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        for i, thumb in enumerate(self.thumbnails):
            target = QRectF(MARGIN + i * slot, RULER_H, slot, THUMB_H)
            aspect = target.width() / target.height()
            w = min(thumb.width(), thumb.height() * aspect)
            h = w / aspect
            source = QRectF((thumb.width() - w) / 2, (thumb.height() - h) / 2, w, h)
            painter.drawImage(target, thumb, source)

    def _draw_band(self, painter: QPainter, y: float, frames, colour: QColor) -> None:
        width = max((self.width() - 2 * MARGIN) / max(self.session.frame_count, 1), 1.0)
        for start, stop in _runs(sorted(frames)):
            x = self.frame_to_x(start) - width / 2
            painter.fillRect(QRectF(x, y, width * (stop - start), BAND_H - 1), colour)

    def _draw_certainty(self, painter: QPainter, y: float) -> None:
        width = max((self.width() - 2 * MARGIN) / max(self.session.frame_count, 1), 1.0)
        for frame, value in self.frame_certainty().items():
            rect = QRectF(self.frame_to_x(frame) - width / 2, y, width, CERTAINTY_H)
            painter.fillRect(rect, SURE)
            colour = QColor(UNSURE)
            colour.setAlphaF(min(1.0, max(0.0, 1.0 - value)))
            painter.fillRect(rect, colour)

    def _draw_markers(self, painter: QPainter, y: float) -> None:
        project = self.session.project
        painter.setRenderHint(QPainter.Antialiasing)
        half = MARKER_H / 2 - 2
        for frame in project.content_keyframes():
            x = self.frame_to_x(frame)
            painter.fillRect(QRectF(x - half, y + 1, 2 * half, 2 * half), CONTENT)
        for obj in project.objects:
            painter.setBrush(QColor(*obj.colour))
            painter.setPen(QPen(QColor(10, 10, 10), 1))
            for frame in project.mask_frames(obj.id, MaskKind.KEYFRAME):
                x, cy = self.frame_to_x(frame), y + half + 1
                painter.drawPolygon(QPolygonF([QPointF(x, cy - half), QPointF(x + half, cy),
                                               QPointF(x, cy + half), QPointF(x - half, cy)]))

    def _draw_playhead(self, painter: QPainter) -> None:
        frame = self.session.frame
        x = self.frame_to_x(frame)
        painter.setPen(QPen(ACCENT, 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setBrush(ACCENT)
        painter.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)]))
        # the current frame and timecode, in a tag beside the playhead
        label = f" {frame_label(frame, self.session.frame_count, self.session.project.clip.frame_rate)} "
        metrics = painter.fontMetrics()
        tag = QRectF(0, 0, metrics.horizontalAdvance(label) + 4, RULER_H - 2)
        tag.moveLeft(x + 4 if x + 4 + tag.width() < self.width() else x - 4 - tag.width())
        painter.fillRect(tag, ACCENT)
        painter.setPen(QColor(20, 20, 20))
        painter.drawText(tag, Qt.AlignCenter, label)

    # --- what the rows mean ----------------------------------------------------------------
    def tip_at(self, x: float, y: float) -> str:
        """The tooltip at widget point ``(x, y)``: what the row there shows of the frame, then what
        the row is (the bands and markers carry no labels)."""
        project = self.session.project
        if project is None or self.session.frame_count == 0:
            return ""
        frame = min(max(self.x_to_frame(x), 0), self.session.frame_count - 1)
        bands, markers = RULER_H + THUMB_H + 2, RULER_H + THUMB_H + 3 * BAND_H + 4
        if y < RULER_H + THUMB_H - CERTAINTY_H:
            return f"Frame {frame}: click or drag to go there"
        if y < bands:
            value = self.frame_certainty().get(frame)
            known = "not propagated" if value is None else f"{value:.0%} sure"
            return (f"Frame {frame}: {known}\nThis strip is red where the propagation is unsure; "
                    "U jumps to the least certain frame")
        row = int((y - bands) // BAND_H)
        if y < markers and row == 0:
            ready = self.session.render_cache is not None and frame in self.session.render_cache.frames()
            return (f"Frame {frame}: {'cleaned, ready to play' if ready else 'not cleaned yet'}\n"
                    "Green: frames already cleaned, shown while playing with the removal result on")
        if y < markers and row <= len(project.objects):
            obj = project.objects[row - 1]
            has = frame in project.mask_frames(obj.id, MaskKind.PROPAGATED)
            return (f"Frame {frame}: {'a' if has else 'no'} propagated mask of {obj.name}\n"
                    "This band: the frames Clip › Propagate masks filled in")
        marks = [f"a mask keyframe of {o.name}" for o in project.objects
                 if frame in project.mask_frames(o.id, MaskKind.KEYFRAME)]
        marks += ["a content keyframe"] if frame in project.content_keyframes() else []
        return (f"Frame {frame}: {', '.join(marks) or 'no keyframe'}\nDiamonds: masks painted by hand; "
                "blue squares: frames fixed by hand")

    def event(self, event) -> bool:
        if event.type() == QEvent.ToolTip:
            text = self.tip_at(event.pos().x(), event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # --- scrubbing -------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.session.set_frame(self.x_to_frame(event.position().x()))

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self.session.set_frame(self.x_to_frame(event.position().x()))


def _runs(frames: list[int]):
    """Consecutive runs of sorted frames as (start, stop) pairs."""
    start = prev = None
    for f in frames:
        if start is None:
            start = prev = f
        elif f == prev + 1:
            prev = f
        else:
            yield start, prev + 1
            start = prev = f
    if start is not None:
        yield start, prev + 1


def frame_label(frame: int, frame_count: int, rate) -> str:
    """The playhead's tag: ``frame 20 of 0–79   00:00:00:20``. Frames count from 0, as the
    timecode, the command line and the mask and matte file names (``00020.png``) do."""
    return f"frame {frame} of 0–{frame_count - 1}   {timecode(frame, rate)}"


def timecode(frame: int, rate) -> str:
    """``HH:MM:SS:FF`` of ``frame`` at ``rate`` frames per second (non-drop-frame)."""
    per_second = max(round(float(rate)), 1)
    seconds, ff = divmod(frame, per_second)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{ff:02d}"
