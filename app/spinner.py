"""Busy indicators for work without a progress figure (the live preview, the heat map).

:class:`BusySpinner` is a turning arc; its timer runs only while it is shown, so a hidden spinner
costs nothing. :class:`RenderingBadge` is the spinner with a word, laid over a corner of the viewer.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from app.theme import ACCENT

FRAME_MS = 40  # 25 steps a second
STEP_DEGREES = 30


class BusySpinner(QWidget):
    def __init__(self, diameter: int = 16, colour: QColor = ACCENT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(diameter, diameter)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.colour = QColor(colour)
        self.angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._turn)

    def showEvent(self, event) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def _turn(self) -> None:
        self.angle = (self.angle + STEP_DEGREES) % 360
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        width = max(self.width() / 8, 1.5)
        box = QRectF(self.rect()).adjusted(width, width, -width, -width)
        track = QColor(self.colour)
        track.setAlpha(60)
        painter.setPen(QPen(track, width))
        painter.drawEllipse(box)
        painter.setPen(QPen(self.colour, width, Qt.SolidLine, Qt.RoundCap))
        painter.drawArc(box, -self.angle * 16, 100 * 16)  # Qt: 1/16 degree, counter-clockwise


class RenderingBadge(QFrame):
    """A spinner and a word in a dark rounded box, laid over a widget; starts hidden."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("renderingBadge")
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setStyleSheet("#renderingBadge { background: rgba(20, 20, 22, 200); border-radius: 6px; }"
                           "QLabel { color: #dcdcdc; background: transparent; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 10, 4)
        layout.setSpacing(6)
        self.spinner = BusySpinner(14, parent=self)
        self.label = QLabel(text)
        layout.addWidget(self.spinner)
        layout.addWidget(self.label)
        self.adjustSize()
        self.hide()
