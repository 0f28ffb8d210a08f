"""The checkpoint is found, or the removal falls back to the flow fill with a one-line notice."""

import numpy as np
import pytest

from core.errors import ModelError
from core.render import RemovalOptions, find_removal_model, load_removal_model, removed_frames
from core.render.model_finder import MODEL_ENV, model_path
from tests.render.synthetic import synthetic_project


def test_a_saved_checkpoint_loads_and_is_kept(tiny_checkpoint):
    first = load_removal_model(tiny_checkpoint, device="cpu")
    assert first.model.config.base_channels == 8 and not first.model.training
    assert load_removal_model(tiny_checkpoint, device="cpu") is first


def test_where_the_checkpoint_is_looked_for(tmp_path, monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert model_path().name == "keyfill-base.pt"
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "env.pt"))
    assert model_path() == tmp_path / "env.pt"
    assert model_path(tmp_path / "arg.pt") == tmp_path / "arg.pt"


@pytest.mark.parametrize("content", [None, b"not a checkpoint at all"])
def test_missing_or_corrupt_checkpoint_is_a_notice_not_a_crash(tmp_path, content):
    path = tmp_path / "model.pt"
    if content is not None:
        path.write_bytes(content)
    notices = []
    assert find_removal_model(path, device="cpu", notice=notices.append) is None
    assert len(notices) == 1 and "\n" not in notices[0]
    assert str(path) in notices[0] and "classical flow fill" in notices[0]
    with pytest.raises(ModelError):
        load_removal_model(path, device="cpu")


def test_a_checkpoint_for_another_task_is_refused(tmp_path):
    from core.model import build_model, save_checkpoint

    path = save_checkpoint(tmp_path / "roto.pt", build_model("tiny", out_channels=1))
    with pytest.raises(ModelError, match="not a removal model"):
        load_removal_model(path, device="cpu")


def test_auto_without_a_checkpoint_renders_the_flow_fill_with_a_notice(tmp_path):
    from core.fill import FlowFill

    project, frames, masks = synthetic_project(8)
    notices = []
    out = list(removed_frames(project, frames.__getitem__, RemovalOptions("auto", tmp_path / "none.pt"),
                              notice=notices.append))
    assert len(notices) == 1 and "flow fill" in notices[0]
    expected = list(FlowFill(frames.__getitem__, masks.__getitem__, 8).fill_clip())
    assert all(np.array_equal(a, b) for a, b in zip(out, expected))


def test_network_without_a_checkpoint_is_an_error_before_any_work(tmp_path):
    project, frames, _ = synthetic_project(4)
    with pytest.raises(ModelError, match="No removal model"):
        removed_frames(project, frames.__getitem__, RemovalOptions("network", tmp_path / "none.pt"))


def test_auto_with_a_checkpoint_renders_with_the_network(tiny_checkpoint):
    from core.render import NetworkClipRenderer, NetworkRenderer

    project, frames, masks = synthetic_project(6)
    notices = []
    out = list(removed_frames(project, frames.__getitem__, RemovalOptions("auto", tiny_checkpoint),
                              notice=notices.append, start=2, stop=4))
    assert notices == [] and len(out) == 2
    network = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, load_removal_model(tiny_checkpoint)))
    assert np.array_equal(out[0], network.render_frame(2))
    project_default = removed_frames(project, frames.__getitem__, RemovalOptions(model_path=tiny_checkpoint), start=2, stop=3)
    assert np.array_equal(next(iter(project_default)), out[0])  # the project's setting is "auto"
