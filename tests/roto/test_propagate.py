"""Rotoscoping by propagation: keyframes kept, moving and thin objects tracked, two sides fused,
edits scoped, bad input and cancelling reported the way the user can act on."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import Cancelled, MaskError
from core.flow import FlowField
from core.metrics import region_similarity
from core.progress import CancelToken
from core.roto import frames_affected_by, propagate_masks, propagated_project_results, warp_first_keyframe_masks
from core.roto.background_cue import without_stray_pieces
from tests.roto_scenes import HEIGHT, WIDTH, PanningObjectWithPole, SlidingSquares


@pytest.fixture(scope="module")
def squares() -> SlidingSquares:
    return SlidingSquares([(20, 40, 4, 1)], size=32, frame_count=12)


@pytest.fixture(scope="module")
def pole_scene() -> PanningObjectWithPole:
    return PanningObjectWithPole(frame_count=12)


def masks_of(results: dict) -> dict[int, np.ndarray]:
    return {frame: result.mask for frame, result in results.items()}


def test_keyframes_come_back_bit_identical(squares):
    keyframes = {0: squares.mask(0), 7: squares.mask(7)}
    keyframes[7][0, 0] = 255  # a stray painted pixel no propagation would produce
    results = propagate_masks(squares.frame, squares.frame_count, keyframes)
    for frame, painted in keyframes.items():
        assert results[frame].is_keyframe
        assert results[frame].mask.dtype == np.uint8
        assert np.array_equal(results[frame].mask, painted)
        assert np.array_equal(results[frame].matte, painted)
    assert not results[3].is_keyframe
    assert set(np.unique(results[3].mask)) <= {0, 255}


def test_a_moving_object_is_tracked_from_one_keyframe_better_than_the_baseline(squares):
    count = squares.frame_count
    flow = FlowField(squares.frame, count)
    ours = masks_of(propagate_masks(squares.frame, count, {0: squares.mask(0)}, flow=flow))
    baseline = warp_first_keyframe_masks(squares.frame, count, {0: squares.mask(0)}, flow=flow)
    scores = [region_similarity(ours[f], squares.mask(f)) for f in range(1, count)]
    assert min(scores) > 0.85, scores
    last = count - 1
    assert scores[-1] > region_similarity(baseline[last], squares.mask(last)) + 0.2


def test_a_thin_pole_on_a_moving_object_is_not_lost(pole_scene):
    """A 3-px pole against a panning wall: the flow field smooths it away within a few frames."""
    count, last = pole_scene.frame_count, pole_scene.frame_count - 1
    results = masks_of(propagate_masks(pole_scene.frame, count, {0: pole_scene.mask(0)}))
    pole = pole_scene.pole_region(last)
    assert region_similarity(results[last][pole], pole_scene.mask(last)[pole]) > 0.5
    assert region_similarity(results[last], pole_scene.mask(last)) > 0.75


def test_two_keyframes_fuse_at_least_as_well_as_either_side_alone(pole_scene):
    count, last = pole_scene.frame_count, pole_scene.frame_count - 1
    flow = FlowField(pole_scene.frame, count)
    between = list(range(1, last))
    sides = {
        "left": {0: pole_scene.mask(0)},
        "right": {last: pole_scene.mask(last)},
        "both": {0: pole_scene.mask(0), last: pole_scene.mask(last)},
    }
    scores = {}
    for name, keyframes in sides.items():
        masks = masks_of(propagate_masks(pole_scene.frame, count, keyframes, flow=flow, frames=between))
        scores[name] = np.array([region_similarity(masks[f], pole_scene.mask(f)) for f in between])
    assert scores["both"].mean() >= max(scores["left"].mean(), scores["right"].mean()) - 0.01
    assert (scores["both"] >= np.minimum(scores["left"], scores["right"]) - 0.01).all()


def test_an_empty_keyframe_says_the_object_is_absent(squares):
    empty = np.zeros((HEIGHT, WIDTH), np.uint8)
    results = propagate_masks(squares.frame, 6, {0: empty}, frames=[3, 5])
    assert not results[3].mask.any() and not results[5].mask.any()


def test_only_the_requested_frames_are_returned_with_progress_to_the_end(squares):
    reports = []
    results = propagate_masks(
        squares.frame, squares.frame_count, {0: squares.mask(0), 8: squares.mask(8)}, frames=[2, 8, 10],
        progress=lambda done, total, message: reports.append((done, total)),
    )
    assert sorted(results) == [2, 8, 10]
    assert reports and reports[-1][0] == reports[-1][1]
    assert all(done <= total for done, total in reports)


def test_frames_affected_by_an_edit_stop_at_the_neighbouring_keyframes():
    assert frames_affected_by(10, [0, 10, 20], 30) == list(range(1, 10)) + list(range(11, 20))
    assert frames_affected_by(0, [0, 10], 30) == list(range(1, 10))
    assert frames_affected_by(25, [0, 10, 25], 30) == list(range(11, 25)) + list(range(26, 30))
    assert frames_affected_by(10, [0, 20], 30) == list(range(1, 20))  # keyframe 10 was removed
    assert frames_affected_by(5, [5], 8) == [0, 1, 2, 3, 4, 6, 7]


@pytest.mark.parametrize(
    "keyframes, words",
    [
        ({}, "no keyframes"),
        ({12: np.zeros((HEIGHT, WIDTH), np.uint8)}, "outside the clip"),
        ({-1: np.zeros((HEIGHT, WIDTH), np.uint8)}, "outside the clip"),
        ({0: np.zeros((HEIGHT // 2, WIDTH), np.uint8)}, f"but the clip is {WIDTH}x{HEIGHT}"),
        ({0: np.zeros((HEIGHT, WIDTH, 3), np.uint8)}, "resize"),
    ],
)
def test_bad_keyframes_raise_a_mask_error_naming_the_fix(squares, keyframes, words):
    with pytest.raises(MaskError, match=words) as caught:
        propagate_masks(squares.frame, squares.frame_count, keyframes)
    assert "\n" not in str(caught.value)


def test_a_frame_outside_the_clip_is_refused(squares):
    with pytest.raises(MaskError, match="outside the clip"):
        propagate_masks(squares.frame, squares.frame_count, {0: squares.mask(0)}, frames=[3, 40])


def test_cancelling_stops_between_frames(squares):
    cancel = CancelToken()
    seen = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(done)
        if done == 3:
            cancel.cancel()

    with pytest.raises(Cancelled):
        propagate_masks(squares.frame, squares.frame_count, {0: squares.mask(0)}, progress=progress, cancel=cancel)
    assert max(seen) == 3


def test_a_cancelled_token_stops_project_propagation_before_any_work(squares):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        propagated_project_results({1: {0: squares.mask(0)}}, squares.frame, squares.frame_count, cancel=cancel)


def test_stray_pieces_far_from_the_object_are_dropped_and_near_ones_kept():
    matte = np.zeros((HEIGHT, WIDTH), np.float32)
    matte[40:80, 40:80] = 1.0  # the object
    matte[40:44, 84:88] = 1.0  # a piece 4 px away: a wheel rim, kept
    matte[100:104, 140:144] = 0.8  # a piece far away: a bit of a tree dragged along, dropped
    cleaned = without_stray_pieces(matte)
    assert cleaned[60, 60] == 1.0 and cleaned[42, 86] == 1.0
    assert cleaned[102, 142] < 0.5
