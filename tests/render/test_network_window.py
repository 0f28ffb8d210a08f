"""The window the removal network reads around the hole (core/render/network_window.py), and the
renderer running a flow-fill-correcting model on it."""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from core.project import ClipRef, MaskKind, new_project
from core.render.network_window import WINDOW_ALIGN_PX, WINDOW_MARGIN_PX, WINDOW_MIN_PX, network_window
from tests.render.synthetic import background

WIDTH, HEIGHT = 416, 240


def _hole(top: int, bottom: int, left: int, right: int) -> np.ndarray:
    hole = np.zeros((HEIGHT, WIDTH), bool)
    hole[top:bottom, left:right] = True
    return hole


def _still(shift_x: float = 0.0) -> np.ndarray:
    flow = np.zeros((HEIGHT, WIDTH, 2), np.float32)
    flow[..., 0] = shift_x
    return flow


def test_the_window_holds_the_hole_its_keyframe_positions_and_a_margin_on_the_stride():
    hole = _hole(100, 140, 200, 230)
    rows, columns = network_window(hole, [_still(40.0), _still(-25.0)])
    assert rows.start <= 100 - WINDOW_MARGIN_PX and rows.stop >= 140 + WINDOW_MARGIN_PX
    # the hole carried 40 px right and 25 px left, plus the margin
    assert columns.start <= 200 - 25 - WINDOW_MARGIN_PX and columns.stop >= 230 + 40 + WINDOW_MARGIN_PX
    for span in (rows, columns):
        assert span.start % WINDOW_ALIGN_PX == 0
        assert span.stop - span.start >= WINDOW_MIN_PX
    assert columns.stop - columns.start < WIDTH  # a window, not the frame


def test_a_small_hole_gets_the_training_crop_and_a_hole_at_the_edge_stays_inside():
    rows, columns = network_window(_hole(0, 10, 400, 416), [_still()])
    assert (rows.stop - rows.start, columns.stop - columns.start) == (WINDOW_MIN_PX, WINDOW_MIN_PX)
    assert rows.start == 0 and columns.stop == WIDTH


def test_a_large_hole_or_none_reads_the_whole_frame():
    assert network_window(_hole(10, 230, 20, 400), [_still()]) is None
    assert network_window(np.zeros((HEIGHT, WIDTH), bool), [_still()]) is None


@pytest.fixture(scope="module")
def wide_scene():
    """A 416x240 clip panning right with a small box moving left: the network reads a window."""
    count = 24
    frames, masks = [], []
    for i in range(count):
        frame = background(i, WIDTH, HEIGHT)
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        mask[100:130, 250 - i:270 - i] = 255
        frame[mask > 0] = (250, 20, 200)
        frames.append(frame)
        masks.append(mask)
    project = new_project(ClipRef(Path("wide.mp4"), WIDTH, HEIGHT, count, Fraction(25)))
    for i, mask in enumerate(masks):
        project.set_mask(project.objects[0].id, i, mask, MaskKind.KEYFRAME)
    return project, frames


def test_an_untrained_correction_on_the_window_returns_the_flow_fill_in_place(wide_scene):
    """A residual model starts as the identity: run on the window and put back, the frame is the
    flow fill exactly (a window pasted at the wrong place would not be), and it read less than
    the whole frame."""
    from core.fill import FlowFill
    from core.model import build_model
    from core.render import NetworkRenderer

    project, frames = wide_scene
    model = build_model("tiny_residual").eval()
    seen = []
    propagate = model.propagate

    def spy(target, *args, **kwargs):
        seen.append(tuple(target.shape[-2:]))
        return propagate(target, *args, **kwargs)

    model.propagate = spy
    windowed = NetworkRenderer(project, frames.__getitem__, model)
    inputs = windowed.inputs
    expected = FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow).fill_frame(12)
    out = windowed.render_frame(12)
    alpha = inputs.alpha(12)
    hard = (alpha == 0) | (alpha >= 1)  # the feathered rim blends the fill with the source
    assert np.array_equal(out[hard], expected[hard])
    assert seen and seen[-1][0] * seen[-1][1] < 0.8 * WIDTH * HEIGHT
    whole = NetworkRenderer(project, frames.__getitem__, model, windowed=False)
    assert np.array_equal(whole.render_frame(12), out)
    assert seen[-1] == (HEIGHT, WIDTH)
