"""Per-frame certainty of the propagation and frames flagged for abrupt changes (issue 15)."""

from __future__ import annotations

import numpy as np

from core.roto import RotoOptions, propagate_masks
from core.roto.certainty import (
    abrupt_frames,
    frame_certainty,
    least_certain_frame,
    outline_margin,
    side_agreement,
)
from tests.roto_scenes import SlidingSquares


def square(x: int, size: int = 20) -> np.ndarray:
    mask = np.zeros((60, 80), np.uint8)
    mask[20 : 20 + size, x : x + size] = 255
    return mask


def test_a_frame_whose_mask_jumps_against_both_neighbours_is_flagged():
    masks = {f: square(10 + f) for f in range(6)}
    masks[3] = square(13, size=30)  # a leak for one frame: area +125 %
    masks[5] = square(50)  # the last frame has one neighbour: never flagged
    assert abrupt_frames(masks) == [3]
    smooth = {f: square(10 + 2 * f) for f in range(6)}
    assert abrupt_frames(smooth) == []
    certainty = frame_certainty({2: 0.8, 3: 0.9, 4: 0.7}, masks)
    assert certainty[3] < certainty[4] < certainty[2]
    assert least_certain_frame(certainty) == 3 and least_certain_frame({}) is None


def test_agreement_and_margin_measure_what_they_say():
    assert side_agreement(square(10), square(10)) == 1.0
    assert side_agreement(square(10), square(20)) < 0.4
    hard = square(10).astype(np.float32) / 255
    soft = np.where(hard > 0, 0.6, 0.4).astype(np.float32)
    assert outline_margin(hard) == 1.0 and outline_margin(soft) < 0.3


def test_frames_far_from_the_keyframes_are_less_certain_and_disagreeing_sides_lower_it():
    clip = SlidingSquares([(20, 40, 4, 1)], size=32, frame_count=12)
    results = propagate_masks(clip.frame, clip.frame_count, {0: clip.mask(0)}, options=RotoOptions(refine_steps=0))
    assert results[1].confidence > results[10].confidence > 0
    wrong = {0: clip.mask(0), 11: clip.mask(0)}  # the right keyframe painted where the square was
    both = propagate_masks(clip.frame, clip.frame_count, wrong, options=RotoOptions(refine_steps=0), frames=[6])
    right = propagate_masks(clip.frame, clip.frame_count, {0: clip.mask(0), 11: clip.mask(11)},
                            options=RotoOptions(refine_steps=0), frames=[6])
    assert both[6].confidence < right[6].confidence


def test_project_results_split_into_masks_and_certainty_with_keyframes_as_neighbours():
    from core.roto.project_roto import propagated_masks_and_certainty
    from core.roto.results import RotoResult

    def result(mask, confidence=0.8, is_keyframe=False):
        return RotoResult(mask, mask, 1.0 if is_keyframe else confidence, is_keyframe)

    per_frame = {0: result(square(10), is_keyframe=True), 1: result(square(13, size=30)), 2: result(square(12)),
                 3: result(square(13), confidence=0.6)}
    masks, certainty = propagated_masks_and_certainty({7: per_frame})
    assert sorted(masks[7]) == [1, 2, 3] and sorted(certainty[7]) == [1, 2, 3]
    assert certainty[7][1] == 0.4  # jumps against the keyframe before it and frame 2: halved
    assert certainty[7][3] == 0.6 and certainty[7][2] == 0.8
