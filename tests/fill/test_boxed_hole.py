"""core.fill.holes.BoxedHole: a hole kept as its bounding box reads exactly as the whole hole."""

import numpy as np

from core.fill.holes import BoxedHole
from core.flow import sample_at


def _hole(shape=(41, 57), box=(7, 19, 13, 30)) -> np.ndarray:
    rng = np.random.default_rng(3)
    hole = np.zeros(shape, bool)
    top, bottom, left, right = box
    hole[top:bottom, left:right] = rng.random((bottom - top, right - left)) > 0.4
    return hole


def test_sampling_the_box_equals_sampling_the_whole_hole_at_any_position_in_the_frame():
    rng = np.random.default_rng(0)
    for hole in (_hole(), _hole(box=(0, 41, 0, 57)), _hole(box=(8, 9, 20, 21))):
        height, width = hole.shape
        boxed = BoxedHole.of(hole)
        assert boxed.top % 2 == 0 and boxed.left % 2 == 0
        # random positions, and positions exactly half-way between pixels (rounding ties)
        x = np.concatenate([rng.uniform(0, width - 1, 4000), np.arange(0, width - 1) + 0.5]).astype(np.float32)
        y = np.concatenate([rng.uniform(0, height - 1, 4000), np.full(width - 1, 10.5)]).astype(np.float32)
        for xs, ys in ((x, y), (x.astype(np.float64), y.astype(np.float64))):
            whole = sample_at(hole.view(np.uint8), xs, ys, interpolation="nearest", fill_value=1)
            np.testing.assert_array_equal(boxed.at(xs, ys), whole)


def test_points_and_full_are_those_of_the_whole_hole():
    hole = _hole()
    boxed = BoxedHole.of(hole)
    for got, expected in zip(boxed.points(), np.nonzero(hole)):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(boxed.full(), hole)
    assert boxed.box.nbytes < hole.nbytes


def test_an_empty_hole_reads_as_background_everywhere():
    boxed = BoxedHole.of(np.zeros((20, 30), bool))
    assert not boxed.full().any() and len(boxed.points()[0]) == 0
    assert not boxed.at(np.array([0.0, 29.0]), np.array([0.0, 19.0])).any()
