"""CUDA out of memory while the network renders a preview frame or a whole clip: the renderer
retries at a lower working resolution, then on the CPU, each time with a one-line notice; it never
crashes. The tests inject ``torch.OutOfMemoryError`` (what ``torch.cuda.OutOfMemoryError`` is) into
the model's calls, so they run without a GPU.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from core.errors import KeyfillError, ModelError
from core.render import RemovalOptions, removed_frames
from core.render.network_renderer import NetworkRenderer
from tests.render.synthetic import synthetic_project

torch.set_num_threads(2)
OFFSETS = (5, 10)  # four keyframes, not the paper's fourteen: the retries are what is tested


@pytest.fixture(scope="module")
def tiny_model():
    from core.model import build_model

    torch.manual_seed(0)
    return build_model("tiny").eval()


def _out_of_memory():
    return torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def _failing(times: int, real):
    """``real`` that raises CUDA's out-of-memory error on its first ``times`` calls."""
    calls = {"n": 0}

    def call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise _out_of_memory()
        return real(*args, **kwargs)
    return call


def _check_frame(frame, source, hole):
    assert frame.shape == source.shape and frame.dtype == np.uint8
    assert np.array_equal(frame[~hole], source[~hole])  # outside the (grown) hole: the source


def test_preview_out_of_memory_once_retries_at_a_lower_resolution(tiny_model, monkeypatch):
    project, frames, _ = synthetic_project(24)
    notices = []
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model, notice=notices.append, offsets=OFFSETS)
    monkeypatch.setattr(renderer._net, "encode_keyframes", _failing(1, renderer._net.encode_keyframes))
    frame = renderer.render_frame(10)
    _check_frame(frame, frames[10], renderer.inputs.alpha(10) > 0)
    assert renderer.scale == pytest.approx(0.75)
    assert notices == ["The GPU ran out of memory; rendering at 75% of the working resolution. "
                       "Lower the working width for sharper results."]
    renderer.render_frame(11)  # the lower resolution is kept: no notice per frame
    assert len(notices) == 1


def test_out_of_memory_at_every_resolution_moves_to_the_cpu(tiny_model, monkeypatch):
    project, frames, _ = synthetic_project(24)
    notices = []
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model, notice=notices.append, offsets=OFFSETS)
    renderer._device = torch.device("cuda")  # pretend: the model call below fails while "on the GPU"
    real = renderer._run_network

    def run_network(*args):
        if renderer._device.type == "cuda":
            raise _out_of_memory()
        return real(*args)

    monkeypatch.setattr(renderer, "_run_network", run_network)
    frame = renderer.render_frame(12)
    _check_frame(frame, frames[12], renderer.inputs.alpha(12) > 0)
    assert renderer._device.type == "cpu" and renderer.scale == 1.0
    assert [n.split(";")[0] for n in notices] == ["The GPU ran out of memory"] * 3 + [
        "The GPU ran out of memory even at a low resolution"]
    assert "rendering on the CPU (slower)" in notices[-1]


def test_out_of_memory_even_on_the_cpu_is_a_model_error_not_a_crash(tiny_model, monkeypatch):
    project, frames, _ = synthetic_project(24)
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model, notice=lambda message: None,
                               offsets=OFFSETS)
    monkeypatch.setattr(renderer._net, "encode_keyframes", _failing(100, renderer._net.encode_keyframes))
    with pytest.raises(ModelError, match="Out of memory while rendering; lower the working width.") as caught:
        renderer.render_frame(10)
    assert isinstance(caught.value, KeyfillError)  # shown by the CLI (exit 2) and the window


def test_whole_clip_render_survives_out_of_memory_midway(tiny_model, tmp_path, monkeypatch):
    from core.model import KeyframePropagationNet, save_checkpoint

    checkpoint = save_checkpoint(tmp_path / "tiny.pt", tiny_model)
    project, frames, _ = synthetic_project(12)  # anchors 0 and 11, the frames between along flow
    real = KeyframePropagationNet.encode_keyframes
    calls = {"n": 0}

    def encode_keyframes(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second network call of the clip: an anchor midway
            raise _out_of_memory()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(KeyframePropagationNet, "encode_keyframes", encode_keyframes)
    notices = []
    out = list(removed_frames(project, frames.__getitem__, RemovalOptions("network", checkpoint, "cpu"),
                              notice=notices.append))
    assert len(out) == 12 and calls["n"] >= 3
    assert any("ran out of memory" in n for n in notices)
    for index in (0, 5, 11):  # far from the hole, every frame is still the source
        near = cv2.dilate(project.removal_mask(index), np.ones((17, 17), np.uint8)) > 0
        assert out[index].shape == frames[index].shape
        assert np.array_equal(out[index][~near], frames[index][~near])
