import numpy as np

from core.train.hole_masks import (MAX_COVERAGE, MIN_COVERAGE, HoleMaskGenerator, object_hole,
                                   shape_of)


def test_target_holes_cover_a_sensible_share_and_repeat_with_the_seed():
    square = np.ones((40, 40), bool)
    generator = HoleMaskGenerator([square])
    coverages = []
    for seed in range(40):
        hole = generator.target_hole(np.random.default_rng(seed), (64, 96))
        assert hole.dtype == bool and hole.shape == (64, 96)
        coverages.append(hole.mean())
        again = generator.target_hole(np.random.default_rng(seed), (64, 96))
        assert np.array_equal(hole, again)
    coverages = np.array(coverages)
    assert ((coverages >= MIN_COVERAGE) & (coverages <= MAX_COVERAGE)).mean() > 0.9
    assert coverages.std() > 0.03  # holes vary


def test_object_hole_has_the_object_shape():
    # an L-shaped object: its hole must be L-shaped too (not a box around it)
    shape = np.zeros((40, 40), bool)
    shape[:, :10] = True
    shape[30:, :] = True
    hole = object_hole(np.random.default_rng(3), (200, 200), [shape])
    ys, xs = np.nonzero(hole)
    box_area = (np.ptp(ys) + 1) * (np.ptp(xs) + 1)
    assert 0.2 < hole.sum() / box_area < 0.7


def test_shape_of_crops_to_the_object_and_skips_specks():
    mask = np.zeros((100, 100), np.uint8)
    mask[20:60, 30:40] = 255
    shape = shape_of(mask)
    assert shape.shape == (40, 10) and shape.all()
    speck = np.zeros((100, 100), np.uint8)
    speck[5, 5] = 255
    assert shape_of(speck) is None
