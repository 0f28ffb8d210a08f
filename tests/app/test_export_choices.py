"""The Export dialog remembers its choices between openings, per project, and after an export
offers to show the folder it wrote to."""

import shutil

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices

from app.dialogs.export_choices import choices_key
from tests.app.conftest import SAMPLE, wait_for_frame

EXPORT_TIMEOUT_MS = 60000


def test_the_choices_come_back_at_the_next_opening(window, tmp_path):
    dialog = window.operations.export()
    dialog.quality.setValue(23)
    dialog.codec.setCurrentIndex(dialog.codec.findData("prores"))
    dialog.keep_audio.setChecked(False)
    dialog.mattes_box.setChecked(True)
    dialog.mattes_video.setChecked(True)
    dialog.clip_path.setText(str(tmp_path / "shot_clean.mov"))
    dialog.mattes_path.setText(str(tmp_path / "shot_alpha.mp4"))
    dialog.cancel_button.click()  # closed without exporting: still remembered
    assert not dialog.isVisible()

    again = window.operations.export()
    assert again is not dialog
    assert again.codec.currentData() == "prores" and not again.quality.isEnabled()
    assert again.quality.value() == 23
    assert not again.keep_audio.isChecked()
    assert again.mattes_box.isChecked() and again.mattes_video.isChecked()
    assert again.clip_box.isChecked()
    assert again.clip_path.text() == str(tmp_path / "shot_clean.mov")
    assert again.mattes_path.text() == str(tmp_path / "shot_alpha.mp4")
    assert again.first.value() == 0 and again.last.value() == 79, "the range is the whole clip again"


def test_another_project_starts_from_the_defaults(window, make_window, qtbot, tmp_path):
    dialog = window.operations.export()
    dialog.mattes_box.setChecked(True)
    dialog.clip_box.setChecked(False)
    dialog.reject()
    other_clip = tmp_path / "other.mp4"
    shutil.copy(SAMPLE, other_clip)
    other = make_window(other_clip)
    wait_for_frame(qtbot, other, 0)
    assert choices_key(other.session.project) != choices_key(window.session.project)
    fresh = other.operations.export()
    assert fresh.clip_box.isChecked() and not fresh.mattes_box.isChecked()
    assert fresh.clip_path.text() == str(tmp_path / "other_clean.mp4")
    assert window.operations.export().mattes_box.isChecked(), "the first project's choices are kept"


def test_stored_nonsense_falls_back_to_the_defaults(window):
    key = choices_key(window.session.project)
    window.app_settings.setValue(f"{key}/codec", "vp9")
    window.app_settings.setValue(f"{key}/quality", "high")
    dialog = window.operations.export()
    assert dialog.codec.currentData() == "h264" and dialog.quality.value() == 18


def test_show_in_folder_after_an_export(window, qtbot, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    dialog = window.operations.export()
    assert not dialog.show_button.isVisible(), "nothing written yet"
    dialog.clip_box.setChecked(False)
    dialog.mattes_box.setChecked(True)
    dialog.mattes_video.setChecked(True)
    dialog.mattes_path.setText(str(tmp_path / "out" / "alpha.mp4"))
    dialog.last.setValue(3)
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert dialog.job is not None
    with qtbot.waitSignal(dialog.job.succeeded, timeout=EXPORT_TIMEOUT_MS):
        pass
    assert dialog.status.text().startswith("Written:")
    assert dialog.show_button.isVisible()
    qtbot.mouseClick(dialog.show_button, Qt.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "out"))]
    assert dialog.isVisible(), "showing the folder does not close the dialog"
