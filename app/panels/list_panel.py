"""What the Objects and Keyframes panels share: a list above a row of icon buttons, and the colour
swatch that marks an object."""

from __future__ import annotations

import qtawesome as qta
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QVBoxLayout, QWidget


def tool_button(icon: str, tip: str, slot) -> QToolButton:
    """An icon button (a qtawesome name) with its tooltip, calling ``slot`` when clicked."""
    button = QToolButton()
    button.setIcon(qta.icon(icon, color="#dddddd"))
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def lay_out_list(panel: QWidget, view: QWidget, buttons: list[QToolButton]) -> None:
    """``view`` filling ``panel``, ``buttons`` in a row below it, left-aligned."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(view)
    layout.addLayout(row)


def swatch(colour: tuple[int, int, int], size: int) -> QIcon:
    """A ``size`` x ``size`` pixel square of ``colour`` (RGB 0..255)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)
