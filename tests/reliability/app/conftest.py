"""The window's fixtures (offscreen app, isolated settings, ``make_window``) from tests/app, and
the two steps the prompt tests share: answering the next question box and opening a project."""

from PySide6.QtWidgets import QMessageBox

from tests.app.conftest import LOAD_TIMEOUT_MS, _theme, make_window, qapp_args, settings  # noqa: F401


def answer_questions(monkeypatch, button) -> list[tuple[str, str]]:
    """Every ``QMessageBox.question`` answers ``button``; returns the (title, text) asked, as asked."""
    asked = []

    def question(parent, title, text, *args):
        asked.append((title, text))
        return button

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def open_in_window(window, qtbot, path):
    """Open ``path`` as File › Open does and wait for the project; returns it."""
    window.files.open_path(path)
    qtbot.waitUntil(lambda: window.session.project is not None, timeout=LOAD_TIMEOUT_MS)
    return window.session.project
