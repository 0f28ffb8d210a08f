"""``run(path)``: the window's entry point (``python main.py app [PATH]``)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from app.theme import apply_dark_theme

__all__ = ["MainWindow", "run"]


def run(path: str | None = None) -> int:
    """Open the window on ``path`` (a clip, an image folder or a .keyfill project) and run it."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Keyfill")
    app.setOrganizationName("Keyfill")
    apply_dark_theme(app)
    window = MainWindow(path)
    window.show()
    return app.exec()
