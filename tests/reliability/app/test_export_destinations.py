"""The Export dialog never destroys a user's files: default names keep the clip's whole stem, an
existing destination is replaced only after the user says so, a folder keeps everything in it,
and a destination that is the clip is refused.

Issue 12: for ``take.v2.mp4`` the mattes video became ``take.mp4`` (an unrelated file, overwritten
without a prompt), unticking "As a video" gave ``take``, and a mattes folder typed in the field was
replaced whole, the clip in it included.
"""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.app.conftest import SAMPLE, wait_for_frame

EXPORT_TIMEOUT_MS = 60000


@pytest.fixture
def take(make_window, qtbot, tmp_path):
    """A window on ``take.v2.mp4`` in a folder that also holds an unrelated ``take.mp4`` and notes."""
    clip = tmp_path / "take.v2.mp4"
    shutil.copy(SAMPLE, clip)
    (tmp_path / "take.mp4").write_bytes(b"an unrelated clip")
    (tmp_path / "notes.txt").write_text("the user's notes")
    window = make_window(clip)
    wait_for_frame(qtbot, window, 0)
    return window


@pytest.fixture
def answers(monkeypatch):
    """Stand-in for the confirmation box: ``answers.reply`` is returned, the questions are kept."""
    class Answers:
        reply = QMessageBox.No
        asked: list[str] = []

    def question(parent, title, text, *args):
        Answers.asked.append(text)
        return Answers.reply

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return Answers


def export(dialog, qtbot) -> None:
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    if dialog.job is not None:
        with qtbot.waitSignal(dialog.job.succeeded, timeout=EXPORT_TIMEOUT_MS):
            pass


def test_default_names_keep_the_whole_stem(take, tmp_path):
    dialog = take.operations.export()
    assert dialog.clip_path.text() == str(tmp_path / "take.v2_clean.mp4")
    assert dialog.mattes_path.text() == str(tmp_path / "take.v2_mattes")
    dialog.mattes_video.setChecked(True)
    assert dialog.mattes_path.text() == str(tmp_path / "take.v2_mattes.mp4")
    dialog.mattes_video.setChecked(False)
    assert dialog.mattes_path.text() == str(tmp_path / "take.v2_mattes")
    dialog.codec.setCurrentIndex(dialog.codec.findData("prores"))
    assert dialog.clip_path.text() == str(tmp_path / "take.v2_clean.mov")
    dialog.mattes_path.setText(str(tmp_path / "take.v2"))  # typed without a suffix
    dialog.mattes_video.setChecked(True)
    assert dialog.mattes_path.text() == str(tmp_path / "take.v2.mp4")


def test_an_existing_file_is_replaced_only_after_asking(take, qtbot, tmp_path, answers):
    dialog = take.operations.export()
    dialog.clip_box.setChecked(False)
    dialog.mattes_box.setChecked(True)
    dialog.mattes_video.setChecked(True)
    dest = tmp_path / "take.mp4"  # the unrelated clip, typed by the user
    dialog.mattes_path.setText(str(dest))
    dialog.last.setValue(2)  # frames 0 to 2
    export(dialog, qtbot)
    assert dialog.job is None and answers.asked == [f"{dest} exists and will be replaced.\n\nExport and replace them?"]
    assert "Nothing was exported" in dialog.status.text()
    assert dest.read_bytes() == b"an unrelated clip"

    answers.reply = QMessageBox.Yes
    export(dialog, qtbot)
    assert len(answers.asked) == 2
    assert dest.read_bytes() != b"an unrelated clip" and dest.stat().st_size > 1000


def test_a_mattes_folder_holding_the_clip_keeps_every_file(take, qtbot, tmp_path, answers):
    # tmp_path: the clip, an unrelated take.mp4, notes and the window's settings file (keyfill.ini)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    dialog = take.operations.export()
    dialog.clip_box.setChecked(False)
    dialog.mattes_box.setChecked(True)
    dialog.mattes_path.setText(str(tmp_path))  # typed: the folder of the clip itself
    dialog.last.setValue(3)  # frames 0 to 3
    answers.reply = QMessageBox.Yes
    export(dialog, qtbot)
    assert answers.asked == [f"The folder {tmp_path} already holds 4 files: Keyfill writes 00000.png to 00003.png "
                             "into it (0 of them exist and will be replaced); the other files stay as they are."
                             "\n\nExport and replace them?"]
    assert dialog.status.text().startswith("Written:")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    users = set(before) - {"keyfill.ini"}  # the window's own settings remember the export's choices
    assert {name: after[name] for name in users} == {name: before[name] for name in users}  # untouched
    assert sorted(set(after) - set(before)) == [f"{i:05d}.png" for i in range(4)]


@pytest.mark.parametrize("field", ["clip", "mattes"])
def test_a_destination_that_is_the_clip_is_refused_without_asking(take, qtbot, tmp_path, answers, field):
    clip = tmp_path / "take.v2.mp4"
    before = clip.read_bytes()
    dialog = take.operations.export()
    if field == "clip":
        dialog.clip_path.setText(str(clip))
    else:
        dialog.clip_box.setChecked(False)
        dialog.mattes_box.setChecked(True)
        dialog.mattes_video.setChecked(True)
        dialog.mattes_path.setText(str(clip))
    export(dialog, qtbot)
    assert dialog.job is None and answers.asked == []
    what = "The cleaned clip" if field == "clip" else "The mattes"
    assert dialog.status.text() == (f"{what} {clip} is the clip, which Keyfill reads; choose another path for "
                                    f"{what.lower()}.")
    assert clip.read_bytes() == before
