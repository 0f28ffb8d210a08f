"""The removal model that ships (``resources/models/keyfill-base.pt``, issue 13): the default of
``auto``, the right kind, small, and on a real frame it changes only the hole, starting from the
flow fill."""

from pathlib import Path

import numpy as np
import pytest

from core.fill import FlowFill
from core.render.methods import choose_fill
from core.render.network_renderer import NetworkRenderer
from core.render.options import RemovalOptions
from core.render.removal_inputs import RemovalInputs
from tests.render.synthetic import synthetic_project

SHIPPED = Path(__file__).resolve().parents[2] / "resources" / "models" / "keyfill-base.pt"


@pytest.fixture
def shipped(monkeypatch):
    monkeypatch.delenv("KEYFILL_MODEL", raising=False)  # the suite's default points elsewhere
    model = choose_fill(RemovalOptions("auto", device="cpu"), notice=pytest.fail)
    assert model is not None, "auto did not find the shipped removal model"
    return model


def test_the_shipped_model_is_what_auto_loads(shipped):
    assert SHIPPED.is_file() and SHIPPED.stat().st_size < 50 * 2**20
    assert Path(shipped.path).resolve() == SHIPPED.resolve()
    config = shipped.model.config
    assert config.output == "residual_rgb" and config.norm == "group"
    assert shipped.extra["validation_gain"] > 0  # it beat the flow fill on the validation split


def test_the_shipped_model_keeps_known_pixels_and_stays_near_the_flow_fill(shipped):
    project, frames, _ = synthetic_project()
    inputs = RemovalInputs(project, frames.__getitem__)
    renderer = NetworkRenderer(project, frames.__getitem__, shipped, inputs=inputs)
    t = len(frames) // 2
    out = renderer.render_frame(t)
    hole = inputs.alpha(t) > 0
    assert out.shape == frames[t].shape and out.dtype == np.uint8
    assert np.array_equal(out[~hole], frames[t][~hole])  # outside the (feathered) hole: the source
    flow = FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow).fill_frame(t)
    difference = np.abs(out.astype(int) - flow.astype(int))[hole]
    assert difference.mean() < 20  # a correction of the flow fill, not a different picture
