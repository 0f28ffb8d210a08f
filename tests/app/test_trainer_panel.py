"""The Training panel fine-tunes the network on the open clip: laptop defaults from the shipped
model, an estimate beforehand (a question when it is long), the loss and the held-out PSNR live,
and the tuned weights made the project's own (preview and export follow) as soon as it stops."""

import dataclasses
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.app.conftest import wait_for_frame

TRAIN_TIMEOUT_MS = 120000
RENDER_TIMEOUT_MS = 60000

pytest.importorskip("core.train.finetune", reason="core/train (the trainer) is not installed")


@pytest.fixture(scope="module")
def shipped_like(tmp_path_factory) -> Path:
    """An untrained model that corrects the flow fill, standing in for the shipped one."""
    from core.model import build_model, save_checkpoint

    return save_checkpoint(tmp_path_factory.mktemp("shipped") / "keyfill-base.pt", build_model("tiny_residual"))


@pytest.fixture
def small_clip(tmp_path) -> Path:
    """``clip/``: 12 frames of 64x96 texture panning 1 px a frame, ``clip_masks/``: an ellipse on each."""
    rng = np.random.default_rng(0)
    coarse = rng.uniform(0, 255, (10, 16, 3)).astype(np.float32)
    world = np.clip(cv2.resize(coarse, (120, 64), interpolation=cv2.INTER_CUBIC)
                    + rng.uniform(-20, 20, (64, 120, 3)), 0, 255).astype(np.uint8)
    (tmp_path / "clip").mkdir()
    (tmp_path / "clip_masks").mkdir()
    for i in range(12):
        cv2.imwrite(str(tmp_path / "clip" / f"{i:05d}.png"), world[:, i:i + 96])
        mask = np.zeros((64, 96), np.uint8)
        cv2.ellipse(mask, (30 + i, 32), (12, 18), 0, 0, 360, 255, -1)
        cv2.imwrite(str(tmp_path / "clip_masks" / f"{i:05d}.png"), mask)
    return tmp_path / "clip"


@pytest.fixture
def small_window(make_window, qtbot, small_clip, shipped_like, monkeypatch):
    """A window on the small clip, the stand-in as the installed model, the Training panel shown
    and its options at a size that trains in seconds."""
    monkeypatch.setenv("KEYFILL_MODEL", str(shipped_like))
    window = make_window(small_clip)
    wait_for_frame(qtbot, window, 0)
    window.actions.train.trigger()
    panel = window.trainer_panel
    chosen = panel.options
    monkeypatch.setattr(panel, "options", lambda: dataclasses.replace(chosen(), crop=(32, 32), frame_height=64,
                                                                      batch=2, device="cpu"))
    return window


def preview_model(window, qtbot, frame: int = 5) -> Path:
    """The file the preview's renderer reads the network from, once it has rendered a frame."""
    window.session.set_frame(frame)
    wait_for_frame(qtbot, window, frame)
    window.canvas.set_layers(result=None)
    window.actions.layer_result.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.result is not None, timeout=RENDER_TIMEOUT_MS)
    return window.viewer._preview._renderer.model_path


def exported_model(window, monkeypatch) -> Path | None:
    """The model file the window's export renders with."""
    import app.clip_operations as operations

    seen = {}

    def export_task(project, options, **kwargs):
        seen.update(kwargs)
        return lambda progress, cancel: []

    monkeypatch.setattr(operations, "export_task", export_task)
    job = window.operations.start_export(operations.ExportOptions())
    job.wait()
    return seen["removal"].model_path


# --- defaults and the estimate -------------------------------------------------------------------
def test_the_shipped_model_gives_the_laptop_defaults_and_an_estimate(small_window, shipped_like, tmp_path):
    panel = small_window.trainer_panel
    assert panel.start_from.currentData() == "installed" and panel.steps.value() == 200
    options = type(panel).options(panel)  # the panel's own, not the test's smaller one
    assert (options.init, options.steps, options.batch, options.lr, options.crop, options.frame_height) == \
        (shipped_like, 200, 4, 3e-4, (192, 192), 240)
    assert options.output == tmp_path / "clip.keyfill-model.pt", "beside the clip while the project is unsaved"
    assert "Takes about" in panel.estimate.text() and "12 masked frames, 200 steps" in panel.estimate.text()
    assert "GB of memory" in panel.estimate.text()
    panel.start_from.setCurrentIndex(panel.start_from.findData("tiny"))
    assert panel.steps.value() == 300 and type(panel).options(panel).lr == 1e-4, "a fresh model: the older defaults"
    assert "No estimate" in panel.estimate.text()


def test_options_default_to_the_laptop_ones_only_for_a_model_that_corrects_the_flow_fill(shipped_like, tmp_path):
    from app.workers.training import FinetuneChoice
    from core.model import build_model, save_checkpoint

    laptop = FinetuneChoice.starting_from(tmp_path / "out.pt", shipped_like)
    assert (laptop.steps, laptop.batch, laptop.lr, laptop.crop, laptop.frame_height) == (200, 4, 3e-4, (192, 192), 240)
    older = FinetuneChoice.starting_from(tmp_path / "out.pt", save_checkpoint(tmp_path / "old.pt", build_model("tiny")))
    assert (older.steps, older.lr, older.crop) == (300, 1e-4, (240, 240))
    assert FinetuneChoice.starting_from(tmp_path / "out.pt", shipped_like, steps=7).steps == 7


def test_a_long_run_is_confirmed_first(small_window, monkeypatch):
    panel = small_window.trainer_panel
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: asked.append(a[2]) or QMessageBox.No))
    panel.steps.setValue(100000)
    assert panel.start() is None and panel.job is None, "answered no: nothing starts"
    assert len(asked) == 1 and "minutes" in asked[0] and "GB of memory" in asked[0]
    panel.steps.setValue(3)
    asked.clear()
    job = panel.start()
    assert job is not None and not asked, "a short run starts at once"
    job.cancel()
    job.wait()


# --- the run -------------------------------------------------------------------------------------
def test_fine_tuning_the_shipped_model_shows_the_held_out_psnr_and_switches_preview_and_export(
        small_window, qtbot, tmp_path, monkeypatch):
    window, panel = small_window, small_window.trainer_panel
    panel.steps.setValue(3)
    qtbot.mouseClick(panel.train_button, Qt.LeftButton)
    job = panel.job
    assert job is not None and not panel.train_button.isEnabled() and panel.cancel_button.isEnabled()
    with qtbot.waitSignal(job.succeeded, timeout=TRAIN_TIMEOUT_MS):
        pass
    tuned = tmp_path / "clip.keyfill-model.pt"
    assert tuned.is_file() and panel.plots.steps_seen == [1, 2, 3] and all(loss > 0 for loss in panel.plots.losses)
    assert panel.plots.baseline is not None and [step for step, _ in panel.plots.validations] == [0, 3]
    xs, _ = panel.plots.psnr_curve.getData()
    assert list(xs) == [0, 3]
    assert panel.held_out.text().startswith("Held-out hole PSNR: ") and "flow fill" in panel.held_out.text()
    assert "start" in panel.held_out.text()
    said = "Preview and export now use the weights tuned on this clip (held-out: "
    assert said in panel.status.text() and said in window.status.last_notice
    assert "dB" in window.status.last_notice
    project = window.session.project
    assert project.settings.removal_model == str(tuned) and project.dirty
    assert "weights tuned on this clip" in panel.weights.text()
    assert preview_model(window, qtbot) == tuned
    assert exported_model(window, monkeypatch) == tuned


def test_stop_switches_to_the_weights_so_far_and_the_shipped_ones_come_back(small_window, qtbot, tmp_path,
                                                                            shipped_like):
    window, panel = small_window, small_window.trainer_panel
    panel.steps.setValue(5000)
    job = panel.start()
    qtbot.waitUntil(lambda: len(panel.plots.losses) >= 3, timeout=TRAIN_TIMEOUT_MS)
    live = panel.estimate.text()
    assert live.startswith("Measured") and " s per step" in live and "left" in live, "the time left, measured"
    assert re.search(r"holding \d+\.\d GB", live), "and the memory in use, measured live"
    qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    with qtbot.waitSignal(job.cancelled, timeout=TRAIN_TIMEOUT_MS):
        pass
    tuned = tmp_path / "clip.keyfill-model.pt"
    assert panel.status.text().startswith("Stopped at step") and panel.job is None
    took = panel.estimate.text()
    assert took.startswith("Took about") and " s per step" in took and "left" not in took, "no time left once stopped"
    assert "Preview and export now use the weights tuned on this clip" in window.status.last_notice
    assert (tmp_path / "clip.keyfill-model.train.pt").is_file(), "the run can be resumed"
    project = window.session.project
    assert project.settings.removal_model == str(tuned)
    assert preview_model(window, qtbot) == tuned
    window.actions.undo.trigger()
    assert project.settings.removal_model == ""
    assert preview_model(window, qtbot, 6) == shipped_like
    window.actions.redo.trigger()
    assert preview_model(window, qtbot, 7) == tuned
    assert panel.shipped_button.isEnabled()
    qtbot.mouseClick(panel.shipped_button, Qt.LeftButton)
    assert project.settings.removal_model == "" and "shipped weights" in panel.weights.text()
    assert preview_model(window, qtbot, 8) == shipped_like
    window.actions.undo.trigger()
    assert project.settings.removal_model == str(tuned)


def test_stopped_without_use_it_leaves_the_removal_model(small_window, qtbot):
    panel = small_window.trainer_panel
    panel.steps.setValue(5000)
    panel.use_it.setChecked(False)
    job = panel.start()
    qtbot.waitUntil(lambda: len(panel.plots.losses) >= 1, timeout=TRAIN_TIMEOUT_MS)
    job.cancel()
    with qtbot.waitSignal(job.cancelled, timeout=TRAIN_TIMEOUT_MS):
        pass
    assert panel.status.text().startswith("Stopped") and "now use" not in panel.status.text()
    assert small_window.session.project.settings.removal_model == ""


def test_the_tuned_weights_are_found_again_when_the_project_reopens(small_window, qtbot, tmp_path, make_window):
    from core.project import save_project

    window, panel = small_window, small_window.trainer_panel
    save_project(window.session.project, tmp_path / "shot.keyfill")
    panel.steps.setValue(2)
    job = panel.start()
    assert job.title == "Fine-tuning"
    with qtbot.waitSignal(job.succeeded, timeout=TRAIN_TIMEOUT_MS):
        pass
    tuned = tmp_path / "shot.keyfill-model.pt"
    assert tuned.is_file(), "beside the saved project"
    save_project(window.session.project)
    again = make_window(tmp_path / "shot.keyfill")
    wait_for_frame(qtbot, again, 0)
    assert again.session.project.settings.removal_model == str(tuned)
    assert again.operations.model_path() == tuned
    assert "weights tuned on this clip (shot.keyfill-model.pt)" in again.trainer_panel.weights.text()
    assert preview_model(again, qtbot) == tuned


def test_the_model_file_may_not_be_the_model_it_starts_from(small_window, shipped_like):
    panel = small_window.trainer_panel
    panel.output.setText(str(shipped_like))
    assert panel.start() is None and "the model it starts from" in panel.status.text()


def test_load_removal_model_sets_the_project_s_tuned_weights_aside(small_window, tmp_path):
    from core.model import build_model, save_checkpoint

    window, operations = small_window, small_window.operations
    tuned = save_checkpoint(tmp_path / "clip.keyfill-model.pt", build_model("tiny_residual"))
    operations.use_tuned_weights(tuned)
    assert operations.model_path() == tuned
    other = save_checkpoint(tmp_path / "other.pt", build_model("tiny_residual"))
    operations.load_model(other)
    assert window.session.project.settings.removal_model == "" and operations.model_path() == other
    assert "other.pt (File › Load removal model)" in window.trainer_panel.weights.text()
    window.actions.undo.trigger()
    assert operations.model_path() == tuned, "the tuned weights win over the window's choice"
    window.trainer_panel.use_shipped_weights()
    assert operations.model_path() is None and operations.chosen_model() is None
    assert window.viewer.model_path is None
    assert "shipped weights" in window.trainer_panel.weights.text()


# --- older and fresh models on the sample clip ---------------------------------------------------
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


def test_a_fresh_model_trains_plots_the_loss_and_the_preview_uses_it(window, trainer, qtbot, tmp_path):
    trainer.steps.setValue(3)
    job = trainer.start()
    with qtbot.waitSignal(job.succeeded, timeout=TRAIN_TIMEOUT_MS):
        pass
    model = tmp_path / "bmx-finetuned.pt"
    assert model.is_file() and model.with_name("bmx-finetuned.losses.csv").is_file()
    assert trainer.plots.steps_seen == [1, 2, 3] and len(trainer.plots.losses) == 3
    xs, ys = trainer.plots.curve.getData()
    assert list(xs) == [1, 2, 3] and all(y > 0 for y in ys)
    assert trainer.status.text().startswith("Trained to step 3") and trainer.train_button.isEnabled()
    assert trainer.held_out.text() == "", "no held-out score for a model that does not correct the flow fill"
    assert window.session.project.settings.removal_model == str(model)
    assert window.operations.model_path() == model and window.operations.installed_model() == model


def test_a_project_without_masks_explains_why_it_cannot_train(window, trainer, qtbot):
    project = window.session.project
    for frame in project.mask_keyframes():
        project.clear_mask(project.objects[0].id, frame)
    assert trainer.start() is not None
    qtbot.waitUntil(lambda: trainer.job is None, timeout=TRAIN_TIMEOUT_MS)  # it fails at once
    assert "no object masks" in trainer.status.text()
    assert window.last_error is not None and "no object masks" in window.last_error


def test_the_training_dock_never_squeezes_its_rows(make_window, qtbot):
    """The dock shares its column with two others: its fields keep their full height (the Steps
    value was clipped) and the panel scrolls when the dock is shorter than it."""
    from PySide6.QtWidgets import QScrollArea

    window = make_window()
    window.show_trainer()
    qtbot.waitUntil(lambda: window.trainer_panel.isVisible())
    panel = window.trainer_panel
    for field in (panel.start_from, panel.steps, panel.output):
        assert field.height() >= field.sizeHint().height(), f"{field.__class__.__name__} is clipped"
    assert isinstance(window.trainer_dock.widget(), QScrollArea)


def test_the_training_dock_grows_when_shown(make_window, qtbot):
    """Showing the panel makes its dock as tall as the column allows (at the keyframes list's height
    the plots were below the fold), the docks above and below kept at their minimum or more."""
    from PySide6.QtWidgets import QDockWidget

    window = make_window()
    keyframes = window.findChild(QDockWidget, "Keyframes dock")
    qtbot.waitUntil(lambda: keyframes.height() > 0)
    before = keyframes.height()
    window.show_trainer()
    qtbot.waitUntil(lambda: window.trainer_panel.isVisible())
    qtbot.waitUntil(lambda: window.trainer_dock.height() > before + 50)
    for title in ("Objects", "Properties"):
        dock = window.findChild(QDockWidget, f"{title} dock")
        assert dock.height() >= dock.minimumSizeHint().height(), f"the {title} dock is squeezed"
