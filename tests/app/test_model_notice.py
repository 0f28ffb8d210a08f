"""The "no model" notice in the window's words (the Training panel, File › Load removal model; no
--model), readable whole on hover or in a window; File › Load removal model sets the weights the
preview, Remove and Export use."""

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.notices import in_window_words
from core.errors import ModelError
from core.render.model_finder import find_removal_model, load_removal_model

RENDER_TIMEOUT_MS = 60000


def test_core_keeps_its_cli_words_and_the_window_has_its_own(tmp_path):
    missing = tmp_path / "none.pt"
    with pytest.raises(ModelError) as caught:
        load_removal_model(missing)
    assert "--model" in str(caught.value), "the command line's wording is unchanged"
    notices = []
    find_removal_model(missing, notice=notices.append)
    for message in (str(caught.value), notices[0]):
        shown = in_window_words(message)
        assert "--" not in shown and "KEYFILL_MODEL" not in shown, "core's wording drifted from app/notices.py"
        assert "Training panel" in shown and "File › Load removal model" in shown and str(missing) in shown
    assert in_window_words(notices[0]).endswith("Using the classical flow fill instead.")


def test_the_notice_is_whole_on_hover_and_in_a_window(window, qtbot):
    window.session.project.update_settings(removal_method="network")
    window.session.set_frame(20)
    window.actions.layer_result.setChecked(True)
    status = window.status
    qtbot.waitUntil(lambda: "No removal model" in status.last_notice, timeout=RENDER_TIMEOUT_MS)
    notice = status.last_notice
    assert "--model" not in notice and "Training panel" in notice and "Load removal model" in notice
    assert status.currentMessage() == notice and status.toolTip() == notice, "hovering the message shows it whole"
    assert status.notice_button.isVisible() and notice in status.notice_button.toolTip()
    box = status.show_last_notice()
    assert isinstance(box, QMessageBox) and box.text() == notice and box.isVisible()
    box.close()
    status.clearMessage()
    assert status.notice_button.isVisible(), "the notice stays readable after the message goes"


def test_load_removal_model_sets_the_weights_for_preview_remove_and_export(window, qtbot, tmp_path, monkeypatch):
    weights = tmp_path / "mine.pt"
    weights.write_bytes(b"not really weights")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(weights), "")))
    assert window.actions.load_model in [a for a in window.menuBar().actions()[0].menu().actions()]
    window.actions.load_model.trigger()
    assert window.app_settings.value("removal/model") == str(weights)
    assert window.operations.model_path() == weights and window.viewer.model_path == weights
    assert "mine.pt" in window.status.last_notice
    # the workers read it: this one does not load, which is said, and the flow fill is shown
    window.session.project.update_settings(removal_method="auto")
    window.session.set_frame(20)
    window.actions.layer_result.setChecked(True)
    qtbot.waitUntil(lambda: "corrupt" in window.status.last_notice, timeout=RENDER_TIMEOUT_MS)
    assert str(weights) in window.status.last_notice


def test_a_missing_model_file_is_refused_in_the_window(window, monkeypatch, tmp_path):
    gone = tmp_path / "gone.pt"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(gone), "")))
    window.actions.load_model.trigger()
    assert window.last_error is not None and "gone.pt does not exist" in window.last_error
    assert window.operations.model_path() is None
    assert not Path(gone).exists()
