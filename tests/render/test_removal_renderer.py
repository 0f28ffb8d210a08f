"""The preview's renderer: the frames the export will have, one at a time."""

import numpy as np

from core.fill import FlowFill
from core.render import NetworkClipRenderer, NetworkRenderer, RemovalOptions, RemovalRenderer, load_removal_model
from tests.render.synthetic import synthetic_project


def test_network_frames_equal_the_exported_ones_and_edits_are_seen(tiny_checkpoint):
    project, frames, masks = synthetic_project(12)
    renderer = RemovalRenderer(project, frames.__getitem__, RemovalOptions(model_path=tiny_checkpoint, device="cpu"))
    exported = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__,
                                          load_removal_model(tiny_checkpoint, device="cpu")))
    assert np.array_equal(renderer.render_frame(5), exported.render_frame(5))
    assert renderer.method == "network"
    object_id = project.objects[0].id
    project.set_mask(object_id, 5, np.zeros_like(masks[5]))
    renderer.invalidate()
    assert np.array_equal(renderer.render_frame(5), frames[5])  # nothing to fill any more
    renderer.close()


def test_without_a_checkpoint_the_flow_fill_with_one_notice(tmp_path):
    project, frames, masks = synthetic_project(8)
    notices = []
    renderer = RemovalRenderer(project, frames.__getitem__, RemovalOptions(model_path=tmp_path / "none.pt"),
                               notice=notices.append)
    out = renderer.render_frame(4)
    renderer.render_frame(5)
    assert renderer.method == "flow" and len(notices) == 1
    assert np.array_equal(out, FlowFill(frames.__getitem__, masks.__getitem__, 8).fill_frame(4))


def test_every_single_frame_renderer_is_a_frame_renderer_and_skips_frames_with_nothing_to_fill(tiny_checkpoint):
    from core.render import FlowFillRenderer, FrameRenderer, RemovalInputs

    project, frames, masks = synthetic_project(8)
    inputs = RemovalInputs(project, frames.__getitem__)
    network = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__,
                                         load_removal_model(tiny_checkpoint, device="cpu"), inputs=inputs))
    flow = FlowFillRenderer(inputs)
    preview = RemovalRenderer(project, frames.__getitem__, RemovalOptions("flow"))
    assert all(isinstance(r, FrameRenderer) for r in (network, flow, preview))
    assert np.array_equal(flow.render_frame(4), FlowFill(frames.__getitem__, masks.__getitem__, 8).fill_frame(4))
    assert inputs.needs_fill(4)
    project.set_mask(project.objects[0].id, 4, np.zeros_like(masks[4]))
    for renderer in (network, flow, preview):
        renderer.invalidate()
    assert not inputs.needs_fill(4)
    assert all(np.array_equal(r.render_frame(4), frames[4]) for r in (network, preview))
    assert preview.method is None  # nothing needed a fill: no fill was chosen
    for renderer in (network, flow, preview):
        renderer.close()
