"""A dark theme like editing suites: Fusion style, a charcoal palette, an orange accent."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor(240, 140, 40)
BACKGROUND = QColor(24, 24, 26)  # the viewer's surround

_STYLE_SHEET = """
QToolBar { border: none; spacing: 2px; padding: 2px; }
QToolButton { padding: 3px; border-radius: 3px; }
QToolButton:checked { background: #4a3a28; }
QDockWidget::title { padding: 4px; background: #2b2b2e; }
QStatusBar QLabel { padding: 0 6px; color: #b8b8b8; }
"""


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    p = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(32, 32, 34), QColor(220, 220, 220)
    disabled = QColor(120, 120, 120)
    p.setColor(QPalette.Window, window)
    p.setColor(QPalette.WindowText, text)
    p.setColor(QPalette.Base, base)
    p.setColor(QPalette.AlternateBase, window)
    p.setColor(QPalette.ToolTipBase, QColor(60, 60, 64))
    p.setColor(QPalette.ToolTipText, text)
    p.setColor(QPalette.Text, text)
    p.setColor(QPalette.Button, window)
    p.setColor(QPalette.ButtonText, text)
    p.setColor(QPalette.BrightText, QColor(255, 80, 80))
    p.setColor(QPalette.Highlight, ACCENT)
    p.setColor(QPalette.HighlightedText, QColor(20, 20, 20))
    p.setColor(QPalette.Link, ACCENT)
    p.setColor(QPalette.PlaceholderText, disabled)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, disabled)
    app.setPalette(p)
    app.setStyleSheet(_STYLE_SHEET)
