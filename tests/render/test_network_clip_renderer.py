"""The whole clip the paper's way: anchors by the network, the frames between along flow."""

import numpy as np
import pytest

from core.fill import hole_from_mask, telea_fill
from core.render import NetworkClipRenderer, NetworkRenderer
from tests.render.synthetic import background, synthetic_project


@pytest.fixture(scope="module")
def scene():
    return synthetic_project(26)


@pytest.fixture(scope="module")
def whole(scene, tiny_model):
    project, frames, _ = scene
    render = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, tiny_model))
    return render, list(render.frames())


def test_a_chunk_rendered_on_its_own_equals_the_whole_clip(scene, tiny_model, whole):
    project, frames, _ = scene
    _, all_frames = whole
    chunk = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, tiny_model))
    for index, frame in zip(range(20, 26), chunk.frames(20, 26)):
        assert np.array_equal(frame, all_frames[index]), index
    assert chunk.network_frames == 2  # anchors 20 and 25 only


def test_each_anchor_is_rendered_once_and_outside_pixels_are_kept(scene, whole):
    _, frames, masks = scene
    render, all_frames = whole
    assert render.anchors == [0, 20, 25]
    assert render.network_frames == 3
    for index in (0, 7, 20, 24):
        hole = hole_from_mask(masks[index], 3)
        assert np.array_equal(all_frames[index][~hole], frames[index][~hole])


def test_frames_between_anchors_carry_the_anchors_along_the_flow(scene, tiny_model, monkeypatch):
    """With anchors rendered perfectly (the clean background), the frames between must be close
    to the clean background too, far closer than Telea gets."""
    project, frames, masks = scene
    network = NetworkRenderer(project, frames.__getitem__, tiny_model)
    monkeypatch.setattr(network, "render_frame", lambda index, **_: background(index))
    render = NetworkClipRenderer(network)
    errors, telea_errors = [], []
    for index in (5, 10, 15):
        hole = masks[index] > 0
        truth = background(index).astype(float)
        errors.append(np.abs(render.render_frame(index).astype(float) - truth)[hole].mean())
        telea_errors.append(np.abs(telea_fill(frames[index], masks[index]).astype(float) - truth)[hole].mean())
    assert max(errors) < 6, errors
    assert np.mean(errors) < 0.5 * np.mean(telea_errors), (errors, telea_errors)


def test_content_keyframes_are_anchors_returned_as_they_are(scene, tiny_model):
    project, frames, _ = scene
    fixed = background(12)
    project.set_content_keyframe(12, fixed)
    try:
        render = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, tiny_model))
        assert 12 in render.anchors
        assert np.array_equal(render.render_frame(12), fixed)
        render.render_frame(14)
        assert render.network_frames == 1  # only anchor 20: 12 is done already
    finally:
        project.remove_content_keyframe(12)


def test_cancel_stops_between_frames(scene, tiny_model):
    from core.errors import Cancelled
    from core.progress import CancelToken

    project, frames, _ = scene
    token = CancelToken()
    seen = []

    def progress(done, total, message):
        seen.append(done)
        token.cancel()

    render = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, tiny_model))
    with pytest.raises(Cancelled):
        list(render.frames(0, 5, progress=progress, cancel=token))
    assert seen == [1]


def test_a_model_that_corrects_the_flow_fill_renders_every_frame_and_chunks_stay_independent(scene):
    import torch

    from core.model import build_model

    project, frames, masks = scene
    torch.manual_seed(1)
    model = build_model("tiny_residual")
    last = [m for m in model.decoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.normal_(last.weight, std=0.02)  # a correction that is not zero
    model.eval()
    whole = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, model))
    all_frames = list(whole.frames())
    assert whole.network_frames == sum(1 for m in masks if m.any())
    chunk = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, model))
    for index, frame in zip(range(20, 26), chunk.frames(20, 26)):
        assert np.array_equal(frame, all_frames[index]), index
    for index in (3, 21):
        hole = hole_from_mask(masks[index], 3)
        assert np.array_equal(all_frames[index][~hole], frames[index][~hole])


def test_a_correcting_model_carries_the_flow_fill_not_its_own_output_from_frame_to_frame(scene):
    """Fed its own output back as the next frame's input, the correction grew frame after frame
    into streaks where no frame shows the background; the flow fill carries its own fill."""
    import torch

    from core.model import build_model

    project, frames, masks = scene
    torch.manual_seed(1)
    model = build_model("tiny_residual")
    last = [m for m in model.decoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.normal_(last.weight, std=0.02)
    model.eval()
    network = NetworkRenderer(project, frames.__getitem__, model)
    seen = {}
    render_frame = network.render_frame

    def spy(index, **kwargs):
        seen[index] = kwargs.get("previous")
        return render_frame(index, **kwargs)

    network.render_frame = spy
    clip = NetworkClipRenderer(network)
    rendered = list(clip.frames(0, 6))
    assert seen[5] is not None and seen[5][0] == 4
    hole = hole_from_mask(masks[4], 3)
    assert hole.any()
    # the flow fill of frame 4 (what the network corrected), not the network's output
    assert not np.array_equal(seen[5][1][hole], rendered[4][hole])
    assert np.array_equal(seen[5][1][~hole], frames[4][~hole])
