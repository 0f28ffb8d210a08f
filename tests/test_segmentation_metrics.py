"""DAVIS-style J (region IoU) and F (boundary F-measure) against hand-computed small cases."""

import numpy as np
import pytest

from core.metrics import boundary_f_measure, boundary_tolerance_px, j_and_f, mask_boundary, region_similarity


def square(top: int, left: int, size: int, shape=(100, 100)) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    mask[top : top + size, left : left + size] = 255
    return mask


def test_region_similarity_is_intersection_over_union():
    predicted, truth = square(0, 0, 4, (8, 8)), square(0, 2, 4, (8, 8))  # 16 px each, 8 shared
    assert region_similarity(predicted, truth) == pytest.approx(8 / 24)
    assert region_similarity(truth, truth) == 1.0
    assert region_similarity(square(0, 0, 2, (8, 8)), square(5, 5, 2, (8, 8))) == 0.0


def test_empty_masks_score_one_together_and_zero_against_an_object():
    empty, blob = np.zeros((10, 10), np.uint8), square(2, 2, 4, (10, 10))
    assert region_similarity(empty, empty) == 1.0 and boundary_f_measure(empty, empty) == 1.0
    assert region_similarity(empty, blob) == 0.0 and boundary_f_measure(empty, blob) == 0.0
    assert boundary_f_measure(blob, empty) == 0.0


def test_boundary_is_the_one_pixel_inner_edge():
    boundary = mask_boundary(square(2, 2, 4, (8, 8)))
    assert boundary.sum() == 4 * 4 - 4  # a 4x4 square's ring of 12 pixels
    assert not boundary[3:5, 3:5].any(), "the inside is not boundary"
    assert mask_boundary(np.full((5, 5), 255, np.uint8)).sum() == 0, "the image border is not a boundary"


def test_tolerance_follows_the_davis_toolkit():
    assert boundary_tolerance_px(100, 100) == 2  # ceil(0.008 * 141.4)
    assert boundary_tolerance_px(240, 432) == 4
    assert boundary_tolerance_px(1080, 1920) == 18


def test_boundary_f_forgives_shifts_within_the_tolerance():
    truth = square(40, 40, 20)
    assert boundary_f_measure(square(40, 41, 20), truth) == 1.0  # 1 px < 2 px tolerance
    assert boundary_f_measure(square(40, 42, 20), truth) == 1.0  # exactly the tolerance


def test_boundary_f_of_a_square_shifted_past_the_tolerance():
    # 20x20 squares, the prediction 10 px left of the truth, tolerance 2 px. Of the 76 boundary
    # pixels of each, 28 lie within 2 px of the other boundary: 12 on the top edge (the 10 shared
    # columns + 2 within reach), 12 on the bottom edge, and 2 + 2 on the inner vertical edge next to
    # the corners. Precision = recall = 28/76, so F = 28/76.
    f = boundary_f_measure(square(40, 40, 20), square(40, 50, 20))
    assert f == pytest.approx(28 / 76)


def test_j_and_f_averages_over_frames_and_reports_percent():
    truth = [square(10, 10, 20), square(10, 10, 20)]
    predicted = [square(10, 10, 20), np.zeros((100, 100), np.uint8)]  # perfect, then missing
    score = j_and_f(predicted, truth)
    assert score.j_per_frame == (1.0, 0.0) and score.f_per_frame == (1.0, 0.0)
    assert (score.j_mean, score.f_mean, score.j_and_f) == (0.5, 0.5, 50.0)


def test_mismatched_inputs_are_programming_errors():
    with pytest.raises(ValueError):
        region_similarity(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError):
        j_and_f([np.zeros((4, 4))], [])
    with pytest.raises(ValueError):
        j_and_f([], [])
