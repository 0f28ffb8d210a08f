"""Opening a project whose clip changed length since it was saved: the window says so and offers
to re-probe it (before, the project opened on its old frame count and exported that, silently)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.project import ClipRef, new_project, save_project
from tests.reliability.app.conftest import answer_questions, open_in_window
from tests.reliability.conftest import write_clip


@pytest.fixture
def cut(tmp_path):
    """A project saved on a 12-frame clip with a mask on every frame; the clip is now 8 frames."""
    clip = write_clip(tmp_path / "clip.mp4", [i * 40 for i in range(12)])
    project = new_project(ClipRef(clip, 64, 48, 12, Fraction(25)))
    mask = np.zeros((48, 64), np.uint8)
    mask[:, :10] = 255
    for frame in range(12):
        project.set_mask(1, frame, mask)
    path = save_project(project, tmp_path / "p.keyfill")
    write_clip(clip, [i * 40 for i in range(8)])
    return path


def test_reprobing_takes_the_clip_as_it_is_now(make_window, qtbot, monkeypatch, cut):
    window = make_window()
    window.confirm_unsaved = True  # as on a desktop, where the question can be answered
    asked = answer_questions(monkeypatch, QMessageBox.Yes)
    project = open_in_window(window, qtbot, cut)
    assert len(asked) == 1 and asked[0][0] == "The clip has changed"
    assert "p.keyfill was made on 12 frames at 25 fps of 'clip.mp4' but the clip now has 8 frames" in asked[0][1]
    assert project.clip.frame_count == 8 and window.session.frame_count == 8
    assert project.mask_frames(1) == list(range(8)) and project.dirty


def test_declining_opens_the_project_as_saved(make_window, qtbot, monkeypatch, cut):
    window = make_window()
    window.confirm_unsaved = True
    answer_questions(monkeypatch, QMessageBox.No)
    project = open_in_window(window, qtbot, cut)
    assert project.clip.frame_count == 12 and not project.dirty


def test_without_a_screen_the_change_is_shown_not_asked(make_window, qtbot, monkeypatch, cut):
    window = make_window()  # offscreen: a question would block
    asked = answer_questions(monkeypatch, QMessageBox.Yes)
    project = open_in_window(window, qtbot, cut)
    assert asked == [] and project.clip.frame_count == 12
    shown = [box.text() for box in window.findChildren(QMessageBox)]
    assert any("the clip now has 8 frames" in text for text in shown)
