"""The leak score: mask grown onto background beyond the boundary tolerance, over the object's area."""

from __future__ import annotations

import numpy as np
import pytest

from core.metrics import LEAK_SHARE, background_leak, leaking_frames


def _square(size: int = 20, at: tuple[int, int] = (40, 40), shape=(120, 160)) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    mask[at[0] : at[0] + size, at[1] : at[1] + size] = 255
    return mask


def test_a_mask_grown_within_the_tolerance_does_not_leak():
    truth = _square()
    grown = _square(size=22, at=(39, 39))  # 1 px all round, within the 2 px tolerance at 160x120
    assert background_leak(truth, truth) == 0
    assert background_leak(grown, truth) == 0
    assert background_leak(np.zeros_like(truth), truth) == 0  # a missed object is not a leak


def test_a_blob_on_the_background_counts_over_the_objects_area():
    truth = _square()  # 400 px
    blob = truth.copy()
    blob[90:100, 100:110] = 255  # 100 px far from the object
    assert background_leak(blob, truth) == pytest.approx(0.25)
    assert background_leak(blob, truth, tolerance_px=0) == pytest.approx(0.25)
    small = truth.copy()
    small[90:95, 100:110] = 255  # 50 px: 12.5 %
    assert leaking_frames([blob, small, truth], [truth] * 3) == [True, False, False]
    assert LEAK_SHARE == 0.2


def test_an_absent_object_leaks_with_any_mask():
    empty = np.zeros((120, 160), np.uint8)
    assert background_leak(_square(size=1), empty) == 1.0
    assert leaking_frames([empty], [empty]) == [False]
    with pytest.raises(ValueError, match="shapes differ"):
        background_leak(empty, empty[:10])
