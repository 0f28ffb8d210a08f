"""core.roto.options: the rotoscoping options are checked once, when they are made, with a message
naming the option and its range; "auto" values are resolved once."""

from __future__ import annotations

import pytest

from core.errors import SettingsError
from core.roto import RotoOptions, propagated_project_results
from core.roto.options import DEFAULT_STEPS
from tests.roto_scenes import SlidingSquares


@pytest.mark.parametrize("width", [0, -480, 63, 8193, 480.0, True])
def test_a_working_width_out_of_range_names_the_option_and_its_range(width):
    with pytest.raises(SettingsError, match=r"working width .* out of range \(64 to 8192 pixels\)"):
        RotoOptions(working_width=width)


@pytest.mark.parametrize("steps", [-1, 100_001, 2.5, True])
def test_refiner_steps_out_of_range_name_the_option_and_its_range(steps):
    with pytest.raises(SettingsError, match=r"clip refiner's steps .* out of range \(0 to 100000\)"):
        RotoOptions(refine_steps=steps)


@pytest.mark.parametrize("field, value", [("reanchor", 1), ("edge_snap", "yes"), ("compact", None)])
def test_switches_are_true_or_false(field, value):
    with pytest.raises(SettingsError, match=field):
        RotoOptions(**{field: value})


def test_a_model_that_is_not_loaded_is_refused():
    with pytest.raises(SettingsError, match="rotoscoping model 'models/roto.pt'"):
        RotoOptions(matte_model="models/roto.pt")


def test_a_working_width_of_zero_is_refused_before_any_work():
    """Today's crash (a FlowField 0 px wide) is a one-line error before a frame is read."""
    clip = SlidingSquares([(20, 40, 4, 1)], size=32, frame_count=4)
    read = []

    def frame(i):
        read.append(i)
        return clip.frame(i)

    with pytest.raises(SettingsError, match="working width 0"):
        propagated_project_results({1: {0: clip.mask(0)}}, frame, clip.frame_count,
                                   options=RotoOptions(working_width=0))
    assert read == []


def test_auto_values_are_resolved_once(monkeypatch):
    monkeypatch.delenv("KEYFILL_ROTO_REFINE_STEPS", raising=False)
    options = RotoOptions(matte_model="auto").resolved()  # tests/conftest.py: no rotoscoping model
    assert options.refine_steps == DEFAULT_STEPS and options.matte_model is None
    assert options.resolved() is options
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "7")
    assert RotoOptions().resolved().refine_steps == 7
    assert RotoOptions(refine_steps=0).resolved().refine_steps == 0
