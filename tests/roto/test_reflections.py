"""No leak onto what moves with the object without being it: a reflection below a boat (DAVIS
boat leaked on 77 % of its frames from one keyframe, refiner off), a shadow under a walker."""

from __future__ import annotations

import numpy as np

from core.metrics import region_similarity
from core.metrics.leaks import background_leak
from core.roto import RotoOptions, propagate_masks
from core.roto.background_cue import CUE_HIGH, CUE_LOW, adding_difference, carry_trust
from tests.roto_scenes import BoatWithReflection


def test_a_reflection_moving_with_the_boat_does_not_join_its_mask():
    scene = BoatWithReflection()
    results = propagate_masks(scene.frame, scene.frame_count, {0: scene.mask(0)}, options=RotoOptions(refine_steps=0))
    frames = range(1, scene.frame_count)
    leaks = [background_leak(results[f].mask, scene.mask(f)) for f in frames]
    # before: the mask crept a row or two a frame onto the reflection, 107 % of the hull's area by frame 15
    assert max(leaks) < 0.2, leaks
    last = scene.frame_count - 1
    assert region_similarity(results[last].mask, scene.mask(last)) > 0.8


def test_adding_a_pixel_needs_a_larger_difference_only_where_the_carry_is_trusted():
    difference = np.full((1, 3), (CUE_LOW + CUE_HIGH) / 2, np.float32)
    lost, half, trusted = adding_difference(difference, np.float32([[0.0, 0.5, 1.0]]))[0]
    assert lost == 0.5  # where the flow lost the object the frame decides as before
    assert trusted < half < lost


def test_the_carry_is_trusted_less_while_the_object_is_smaller_than_on_its_keyframe():
    matte = np.zeros((20, 20), np.float32)
    matte[5:15, 5:15] = 1.0  # 100 px carried
    confidence = np.full((20, 20), 0.64, np.float32)
    assert np.allclose(carry_trust(matte, confidence, keyframe_area=100), 0.8)
    assert np.allclose(carry_trust(matte, confidence, keyframe_area=200), 0.2)  # half hidden: (1/2)^2
    assert not carry_trust(matte, confidence, keyframe_area=0).any()
