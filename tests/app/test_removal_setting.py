"""The preview renders with the project's removal method: the network when a model loads, the
classical flow fill otherwise (and when the network is asked for but cannot run)."""

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog

from app.viewer.layers import image_array
from tests.app.conftest import wait_for_frame

RENDER_TIMEOUT_MS = 60000


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """An untrained tiny removal network: enough to prove the wiring (its output is noise)."""
    import torch

    from core.model import KeyframePropagationNet, ModelConfig, save_checkpoint

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    save_checkpoint(path, KeyframePropagationNet(ModelConfig.tiny()))
    return path


def show_result(window, qtbot, frame: int = 20):
    window.session.set_frame(frame)
    wait_for_frame(qtbot, window, frame)
    window.actions.layer_result.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.result is not None, timeout=RENDER_TIMEOUT_MS)
    return image_array(window.canvas.result)


def test_auto_uses_the_network_when_a_model_loads(window, qtbot, monkeypatch, tiny_model):
    monkeypatch.setenv("KEYFILL_MODEL", str(tiny_model))
    assert window.session.project.settings.removal_method == "auto"
    shown = show_result(window, qtbot)
    qtbot.waitUntil(lambda: window.status.fill.text() == "Fill: network")
    source = image_array(window.canvas.source)
    mask = window.session.project.removal_mask(20) > 0
    assert not np.array_equal(shown[mask], source[mask]), "the hole was filled"
    far = np.ones_like(mask)
    far[max(0, np.nonzero(mask)[0].min() - 40):, :] = False  # well above the rider
    assert np.array_equal(shown[far], source[far]), "outside the hole the source is kept"


def test_network_asked_for_without_a_model_falls_back_to_the_flow_fill(window, qtbot):
    project = window.session.project
    project.update_settings(removal_method="network")
    shown = show_result(window, qtbot)
    qtbot.waitUntil(lambda: "No removal model" in window.status.currentMessage())
    assert "flow fill" in window.status.currentMessage()
    assert window.status.fill.text() == "Fill: flow fill"
    mask = project.removal_mask(20) > 0
    assert not np.array_equal(shown[mask], image_array(window.canvas.source)[mask]), "the hole was filled"


def test_settings_dialog_sets_the_method_as_an_undoable_project_setting(window, qtbot):
    project = window.session.project
    dialog = window.operations.edit_settings()
    dialog.method.setCurrentIndex(dialog.method.findData("flow"))
    dialog.width.setCurrentIndex(dialog.width.findData(320))
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.accept()
    assert dialog.result() == QDialog.Accepted
    assert (project.settings.removal_method, project.settings.working_width) == ("flow", 320)
    assert window.viewer.device == "cpu" and window.app_settings.value("device") == "cpu"
    window.actions.undo.trigger()
    assert (project.settings.removal_method, project.settings.working_width) == ("auto", 480)


def test_settings_dialog_turns_the_outline_refinement_off_for_the_propagation(window, monkeypatch):
    from contextlib import nullcontext
    from types import SimpleNamespace

    from app.workers.tasks import propagate_task

    project = window.session.project
    assert project.settings.refine_outlines
    dialog = window.operations.edit_settings()
    assert dialog.refine.isEnabled() and dialog.refine.isChecked()
    dialog.refine.setChecked(False)
    dialog.accept()
    assert project.settings.refine_outlines is False
    seen = {}
    monkeypatch.setattr("core.roto.propagated_project_results", lambda *args, **kwargs: seen.update(kwargs) or {})
    propagate_task(project, opener=lambda path: nullcontext(SimpleNamespace(frame=None)))(lambda *a: None, None)
    assert seen["options"].refine_steps == 0  # the job propagates without the clip refiner
    window.actions.undo.trigger()
    assert project.settings.refine_outlines is True


def test_settings_dialog_turns_the_texture_fill_on_and_undo_turns_it_off(window):
    project = window.session.project
    assert project.settings.fill_texture is False  # off by default (docs/quality.md says why)
    dialog = window.operations.edit_settings()
    assert dialog.texture.isEnabled() and not dialog.texture.isChecked()
    dialog.texture.setChecked(True)
    dialog.accept()
    assert project.settings.fill_texture is True  # the renderers' flow fill reads it (tests/fill)
    window.actions.undo.trigger()
    assert project.settings.fill_texture is False


def test_a_damaged_model_asked_for_by_name_falls_back_to_the_flow_fill(tmp_path):
    from app.workers.render import PreviewRenderer
    from core.project.from_clip import project_with_masks
    from core.render import RemovalOptions
    from core.video import probe
    from tests.app.conftest import SAMPLE

    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(b"not a checkpoint")
    project = project_with_masks(probe(SAMPLE), SAMPLE.with_name("bmx-trees_masks"))
    project.update_settings(removal_method="network")
    notices = []
    renderer = PreviewRenderer(project, options=RemovalOptions(model_path=damaged), notice=notices.append)
    try:
        frame = renderer.render_frame(0)
    finally:
        renderer.close()
    assert renderer.method == "flow" and frame.shape == (240, 432, 3)
    assert len(notices) == 1 and str(damaged) in notices[0] and "flow fill" in notices[0]
