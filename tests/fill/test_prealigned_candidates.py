"""The flow fill's candidates, kept for a network that reads them (core/fill/prealigned.py)."""

import numpy as np
import pytest

from core.fill import FlowFill, Prealigned


def _moving_square_clip(count=12, size=(48, 64)):
    rng = np.random.default_rng(0)
    background = rng.integers(0, 255, (size[0], size[1] + 2 * count, 3), np.uint8)
    frames = [np.ascontiguousarray(background[:, t: t + size[1]]) for t in range(count)]
    masks = []
    for t in range(count):
        mask = np.zeros(size, np.uint8)
        mask[16:32, 20 + t: 36 + t] = 255
        masks.append(mask)
    return frames, masks


def test_candidates_are_kept_in_the_hole_only_and_their_median_is_the_fill():
    frames, masks = _moving_square_clip()
    fill = FlowFill(frames.__getitem__, masks.__getitem__, len(frames))
    plain, kept = fill.prealign_frame(6), fill.prealign_frame(6, candidates=True)
    assert plain.candidates is None and np.array_equal(plain.rgb, kept.rgb)
    ys, xs = kept.points
    assert kept.hole[ys, xs].all() and len(ys) == kept.hole.sum()
    assert kept.candidates.shape == (len(ys), 5, 3) and kept.counts.max() == 5
    full = kept.counts == 5
    median = np.median(kept.candidates[full].astype(np.float32), axis=1)
    assert np.abs(median - kept.rgb[ys[full], xs[full]]).max() <= 1
    planes = kept.candidate_planes()
    assert planes.shape == (48, 64, 20)
    assert not planes[~kept.hole].any()  # nothing outside the hole
    found = planes[..., 3::4]
    assert np.array_equal(found[ys, xs].sum(axis=1), kept.counts)


def test_candidate_planes_on_a_smaller_grid_average_each_cell():
    hole = np.zeros((4, 4), bool)
    hole[0, 0] = hole[0, 1] = True  # two pixels of the top-left 2x2 cell
    candidates = np.array([[[255, 0, 0]], [[255, 0, 0]]], np.uint8)  # one slot each
    pre = Prealigned(np.zeros((4, 4, 3), np.uint8), hole, np.zeros((4, 4), np.float32),
                     np.nonzero(hole), candidates, np.array([1, 0], np.uint8))
    planes = pre.candidate_planes((2, 2))
    assert planes.shape == (2, 2, 4)
    assert planes[0, 0, 0] == pytest.approx(0.25) and planes[0, 0, 3] == pytest.approx(0.25)
    assert not planes[1].any() and not planes[0, 1].any()


def test_planes_of_a_prealign_without_candidates_say_how_to_get_them():
    pre = Prealigned(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), bool), np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="candidates=True"):
        pre.candidate_planes()
