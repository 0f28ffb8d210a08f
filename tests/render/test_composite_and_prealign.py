"""Compositing keeps every pixel outside the hole; prealignment carries only reliable pixels."""

import numpy as np

from core.fill import hole_from_mask
from core.render.composite import feather_alpha, feathered_composite
from core.render.prealign import AlignedSource, prealign


def test_composite_is_the_source_outside_the_hole_and_the_fill_on_the_mask():
    rng = np.random.default_rng(0)
    source = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    filled = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    mask = np.zeros((40, 50), np.uint8)
    mask[10:25, 12:30] = 255
    hole = hole_from_mask(mask, 3)
    alpha = feather_alpha(hole, mask, feather=2.0)
    out = feathered_composite(source, filled, alpha)
    assert np.array_equal(out[~hole], source[~hole])
    assert np.array_equal(out[mask > 0], filled[mask > 0])
    ramp = (alpha > 0) & (alpha < 1)
    assert ramp.any() and not (ramp & (mask > 0)).any()  # the feather lies in the grown band only


def test_no_feather_is_a_hard_cut():
    hole = np.zeros((8, 8), bool)
    hole[2:5, 2:5] = True
    assert np.array_equal(feather_alpha(hole, None, 0.0), hole.astype(np.float32))


def _shifted_pair(shift: int = 3):
    rng = np.random.default_rng(1)
    wide = rng.integers(0, 256, (32, 48 + shift, 3), dtype=np.uint8)
    target, keyframe = wide[:, shift:], wide[:, :-shift]  # target pixel x is keyframe pixel x + shift
    flow = np.zeros((32, 48, 2), np.float32)
    flow[..., 0] = shift
    return np.ascontiguousarray(target), np.ascontiguousarray(keyframe), flow


def test_prealign_carries_keyframe_pixels_where_the_flow_is_reliable():
    target, keyframe, flow = _shifted_pair()
    hole = np.zeros((32, 48), bool)
    hole[8:20, 10:30] = True
    consistency = np.ones((32, 48), np.float32)
    consistency[8:20, 10:15] = 0.1  # unreliable: must stay a hole
    blank = target.copy()
    blank[hole] = 0
    rgb, remaining = prealign(blank, hole, [AlignedSource(keyframe, np.zeros_like(hole), flow, consistency)])
    carried = hole & ~remaining
    assert np.array_equal(remaining, hole & (consistency < 0.6))
    assert np.array_equal(rgb[carried], target[carried])
    assert np.array_equal(rgb[~hole], blank[~hole])


def test_prealign_never_copies_the_keyframe_s_own_hole_and_nearer_keyframes_win():
    target, keyframe, flow = _shifted_pair()
    hole = np.zeros((32, 48), bool)
    hole[8:20, 10:30] = True
    keyframe_hole = np.zeros_like(hole)
    keyframe_hole[:, :23] = True  # landings at x + 3 < 23, i.e. target x < 20, are the object
    ones = np.ones((32, 48), np.float32)
    grey = np.full_like(keyframe, 77)
    rgb, remaining = prealign(np.zeros_like(target), hole, [
        AlignedSource(keyframe, keyframe_hole, flow, ones),
        AlignedSource(grey, np.zeros_like(hole), flow, ones),  # farther: fills only what is left
    ])
    assert not remaining.any()
    assert np.array_equal(rgb[8:20, 20:30], target[8:20, 20:30])
    assert (rgb[8:20, 10:20] == 77).all()
