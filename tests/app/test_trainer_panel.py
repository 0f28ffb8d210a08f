"""The Training panel fine-tunes the network on the open clip, plots the loss, and can make the
new model the one the preview renders with."""

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

TRAIN_TIMEOUT_MS = 120000

pytest.importorskip("core.train.finetune", reason="core/train (the trainer) is not installed")


@pytest.fixture
def trainer(window, tmp_path, monkeypatch):
    window.actions.train.trigger()
    panel = window.trainer_panel
    chosen = panel.options  # what the panel's fields say, at a small crop to keep the test quick
    monkeypatch.setattr(panel, "options", lambda: dataclasses.replace(chosen(), crop=(64, 64), frame_height=96,
                                                                      batch=2))
    assert window.trainer_dock.isVisible() and panel.isVisible()
    panel.start_from.setCurrentIndex(panel.start_from.findData("tiny"))
    panel.output.setText(str(tmp_path / "bmx-finetuned.pt"))
    return panel


def test_fine_tuning_writes_a_model_plots_the_loss_and_the_preview_uses_it(window, trainer, qtbot, tmp_path):
    trainer.steps.setValue(3)
    qtbot.mouseClick(trainer.train_button, Qt.LeftButton)
    job = trainer.job
    assert job is not None and not trainer.train_button.isEnabled() and trainer.cancel_button.isEnabled()
    with qtbot.waitSignal(job.succeeded, timeout=TRAIN_TIMEOUT_MS):
        pass
    model = tmp_path / "bmx-finetuned.pt"
    assert model.is_file() and model.with_name("bmx-finetuned.losses.csv").is_file()
    assert trainer.steps_seen == [1, 2, 3] and len(trainer.losses) == 3
    xs, ys = trainer.curve.getData()
    assert list(xs) == [1, 2, 3] and all(y > 0 for y in ys)
    assert trainer.status.text().startswith("Trained to step 3") and trainer.train_button.isEnabled()
    assert Path(window.app_settings.value("removal/model")) == model
    assert window.viewer.model_path == model, "the preview renders with it (see test_removal_setting)"
    assert window.operations.installed_model() == model


def test_stop_saves_the_run_and_says_so(window, trainer, qtbot, tmp_path):
    trainer.steps.setValue(5000)
    trainer.use_it.setChecked(False)
    job = trainer.start()
    qtbot.waitUntil(lambda: len(trainer.losses) >= 1, timeout=TRAIN_TIMEOUT_MS)
    qtbot.mouseClick(trainer.cancel_button, Qt.LeftButton)
    with qtbot.waitSignal(job.cancelled, timeout=TRAIN_TIMEOUT_MS):
        pass
    assert trainer.status.text().startswith("Stopped") and trainer.job is None
    assert (tmp_path / "bmx-finetuned.train.pt").is_file(), "the run can be resumed"
    assert not window.app_settings.value("removal/model"), "a stopped run does not replace the model"


def test_a_project_without_masks_explains_why_it_cannot_train(window, trainer, qtbot):
    project = window.session.project
    for frame in project.mask_keyframes():
        project.clear_mask(project.objects[0].id, frame)
    assert trainer.start() is not None
    qtbot.waitUntil(lambda: trainer.job is None, timeout=TRAIN_TIMEOUT_MS)  # it fails at once
    assert "no object masks" in trainer.status.text()
    assert window.last_error is not None and "no object masks" in window.last_error
