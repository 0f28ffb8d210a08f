"""The clone stamp (core, no Qt): pixels copied from an offset under the brush, nothing else changes."""

import numpy as np

from core.clone_stamp import clone_stroke, stroke_offset


def _noise(h=60, w=80, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _disc(h, w, cx, cy, r) -> np.ndarray:
    ys, xs = np.mgrid[:h, :w]
    return (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r


def test_a_hard_dab_copies_pixels_exactly_and_nothing_outside_the_brush_changes():
    image = _noise()
    out = clone_stroke(image, [(30, 25)], (12, -7), 5, hardness=1.0)
    assert out.dtype == np.uint8 and out.shape == image.shape
    inside = _disc(60, 80, 30, 25, 4.5)  # comfortably inside the radius: fully covered
    ys, xs = np.nonzero(inside)
    assert np.array_equal(out[ys, xs], image[ys - 7, xs + 12]), "copied from (x + 12, y - 7), bit for bit"
    outside = ~_disc(60, 80, 30, 25, 5.5)
    assert np.array_equal(out[outside], image[outside]), "nothing outside the brush changes"
    assert not np.array_equal(out, image)
    assert np.array_equal(image, _noise()), "the input is not modified"


def test_a_stroke_stamps_along_its_path():
    image = _noise(seed=1)
    out = clone_stroke(image, [(20, 30), (50, 30)], (0, 20), 3, hardness=1.0)
    for x in (20, 35, 50):
        assert np.array_equal(out[30, x], image[50, x])
    changed = np.any(out != image, axis=2)
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 27 and ys.max() <= 33 and xs.min() >= 17 and xs.max() <= 53


def test_soft_edges_and_opacity_blend_between_the_frame_and_the_source():
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, 20:] = 200  # the source half
    out = clone_stroke(image, [(10, 20)], (20, 0), 8, hardness=0.0)
    assert out[20, 10, 0] > 150, "the centre is (nearly) the source"
    assert 0 < out[20, 16, 0] < out[20, 10, 0], "towards the edge it fades"
    half = clone_stroke(image, [(10, 20)], (20, 0), 8, hardness=1.0, opacity=0.5)
    assert half[20, 10, 0] == 100


def test_pixels_whose_source_is_outside_the_frame_are_left_alone():
    image = _noise(seed=2)
    out = clone_stroke(image, [(75, 30)], (10, 0), 8, hardness=1.0)
    assert np.array_equal(out[:, 70:], image[:, 70:]), "x + 10 >= 80: no source, no paint"
    assert np.array_equal(out[30, 69], image[30, 79])
    assert np.array_equal(clone_stroke(image, [(5, 5)], (-200, 0), 6), image)


def test_stroke_offset_is_whole_pixels_from_the_start_to_the_source():
    assert stroke_offset((40.6, 10.2), (30.0, 20.0)) == (11, -10)
