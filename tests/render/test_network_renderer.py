"""One frame by the tiny network, end to end on a small synthetic clip."""

import numpy as np
import pytest

from core.fill import hole_from_mask
from core.render import NetworkRenderer
from tests.render.synthetic import synthetic_project


@pytest.fixture
def scene():
    return synthetic_project(24)


def test_render_frame_fills_the_hole_and_keeps_every_other_pixel(scene, tiny_model):
    project, frames, masks = scene
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model)
    out = renderer.render_frame(10)
    assert out.shape == frames[10].shape and out.dtype == np.uint8
    hole = hole_from_mask(masks[10], 3)
    assert np.array_equal(out[~hole], frames[10][~hole])  # bit for bit outside the grown mask
    assert not np.array_equal(out[masks[10] > 0], frames[10][masks[10] > 0])  # the box is gone
    assert renderer.last_stats.keyframes == 4  # 5, 15, 0, 20: the others fall outside 24 frames


def test_keyframe_encodings_are_reused_and_results_repeat(scene, tiny_model):
    project, frames, _ = scene
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model)
    first = renderer.render_frame(10)
    assert renderer.last_stats.encoded == 4
    again = renderer.render_frame(10)
    assert renderer.last_stats.encoded == 0
    assert np.array_equal(first, again)
    renderer.render_frame(15)  # reads 10, 20 (new: 10) and 5, 0 ... 20 is kept from before
    assert renderer.last_stats.encoded < renderer.last_stats.keyframes


def test_content_keyframes_are_returned_as_they_are_and_read_by_neighbours(scene, tiny_model):
    project, frames, _ = scene
    fixed = np.full_like(frames[7], 90)
    project.set_content_keyframe(7, fixed)
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model)
    assert np.array_equal(renderer.render_frame(7), fixed)
    renderer.render_frame(10)
    assert renderer.last_stats.keyframes == 5  # 7 joins 5, 15, 0, 20


def test_a_frame_without_a_mask_is_the_source(scene, tiny_model):
    project, frames, _ = scene
    project.clear_mask(project.objects[0].id, 3)
    project.set_mask(project.objects[0].id, 3, np.zeros_like(project.mask(project.objects[0].id, 4)))
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model)
    assert np.array_equal(renderer.render_frame(3), frames[3])


def test_prealign_fills_part_of_the_hole_before_the_network(scene, tiny_model):
    project, frames, _ = scene
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model, prealign=True)
    renderer.render_frame(10)
    assert 0 < renderer.last_stats.prealigned <= 1


def test_working_resolution_below_the_clip_s(scene, tiny_model):
    project, frames, masks = scene
    project.update_settings(working_width=64)  # the smallest working width a project allows
    renderer = NetworkRenderer(project, frames.__getitem__, tiny_model)
    assert renderer.inputs.working_size[0] == 64 and renderer.inputs.working_size[1] < 64
    out = renderer.render_frame(12)
    hole = hole_from_mask(masks[12], 3)
    assert out.shape == frames[12].shape
    assert np.array_equal(out[~hole], frames[12][~hole])


@pytest.mark.parametrize("candidates", [0, 5])
def test_a_residual_model_below_the_clip_s_size_keeps_the_flow_fill_at_full_resolution(scene, candidates):
    """The correction is computed on the working grid and upsampled; the flow fill's own pixels
    stay at full resolution, so an untrained residual model returns the full-resolution fill
    (also one that reads the fill's candidates, brought to the working grid)."""
    from core.fill import FlowFill
    from core.model import build_model

    project, frames, _ = scene
    project.update_settings(working_width=64)
    model = build_model("tiny_residual", candidate_inputs=candidates, in_channels=8 + 4 * candidates)
    renderer = NetworkRenderer(project, frames.__getitem__, model.eval())
    inputs = renderer.inputs
    fill = FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow)
    out, expected = renderer.render_frame(12), fill.fill_frame(12)
    alpha = inputs.alpha(12)
    hard = (alpha == 0) | (alpha >= 1)
    assert np.array_equal(out[hard], expected[hard])
