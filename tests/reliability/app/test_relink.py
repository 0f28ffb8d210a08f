"""File › Relink clip… with a clip that is not the project's: the window says why, and the
project keeps its clip (before this test the MaskError escaped into Qt's event loop, printed on
stderr and nothing was shown)."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog

from tests.app.conftest import wait_for_frame
from tests.reliability.conftest import write_clip


def test_relinking_to_another_clip_is_refused_with_a_message(make_window, qtbot, monkeypatch, tmp_path):
    from tests.app.conftest import SAMPLE

    window = make_window(SAMPLE)
    wait_for_frame(qtbot, window, 0)
    other = write_clip(tmp_path / "other.mp4", [i * 40 for i in range(6)])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args, **kwargs: (str(other), "")))
    window.last_error = None
    window.operations.relink()
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=20000)
    assert "other.mp4 is 64x48, 6 frames" in window.last_error and "choose the same clip" in window.last_error
    assert window.session.project.clip.path == SAMPLE
