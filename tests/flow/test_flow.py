"""core.flow: DIS recovers known shifts, consistency flags disagreement, warping, the flow cache."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.flow import FlowField, compute_flow, forward_backward_consistency, lands_inside, sample_at, warp

MARGIN = 16  # pixels from the border where a shifted image has no counterpart


def textured(height: int, width: int, seed: int = 0) -> np.ndarray:
    """``(height, width, 3)`` uint8 RGB with smooth random texture (features at ~4 px, for DIS)."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (height // 4 + 2, width // 4 + 2), dtype=np.uint8)
    grey = cv2.GaussianBlur(cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC), (0, 0), 1.0)
    return np.dstack([grey, np.roll(grey, 5, axis=0), np.roll(grey, 7, axis=1)])


def shifted_pair(dx: int, dy: int, height: int = 128, width: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """Frames ``a`` and ``b`` where ``b(p + (dx, dy)) = a(p)``: the true flow a→b is ``(dx, dy)``."""
    big = textured(height + 2 * MARGIN, width + 2 * MARGIN)
    a = big[MARGIN : MARGIN + height, MARGIN : MARGIN + width]
    b = big[MARGIN - dy : MARGIN - dy + height, MARGIN - dx : MARGIN - dx + width]
    return np.ascontiguousarray(a), np.ascontiguousarray(b)


def interior(array: np.ndarray) -> np.ndarray:
    return array[MARGIN:-MARGIN, MARGIN:-MARGIN]


# -- compute_flow ------------------------------------------------------------------------------


@pytest.mark.parametrize("dx, dy", [(3, -2), (-5, 4), (0, 0)])
def test_compute_flow_recovers_a_known_shift_in_the_interior(dx, dy):
    a, b = shifted_pair(dx, dy)
    flow = compute_flow(a, b, working_width=None)
    assert flow.shape == (128, 160, 2) and flow.dtype == np.float32
    error = np.abs(interior(flow) - np.array([dx, dy], np.float32))
    assert np.percentile(error, 99) < 0.5, np.percentile(error, 99)
    assert np.median(error) < 0.1


def test_compute_flow_at_a_working_width_returns_full_resolution_pixels():
    a, b = shifted_pair(6, 2, height=128, width=320)
    flow = compute_flow(a, b, working_width=160)  # DIS sees a 3 px shift, the result says 6
    assert flow.shape == (128, 320, 2)
    error = np.abs(interior(flow) - np.array([6, 2], np.float32))
    assert np.median(error) < 0.5, np.median(error)


def test_compute_flow_refuses_frames_of_different_sizes():
    with pytest.raises(ValueError):
        compute_flow(textured(64, 96), textured(64, 80))


# -- forward_backward_consistency ---------------------------------------------------------------


def constant_flow(dx: float, dy: float, height: int = 40, width: int = 60) -> np.ndarray:
    flow = np.empty((height, width, 2), np.float32)
    flow[..., 0], flow[..., 1] = dx, dy
    return flow


def test_consistency_is_high_where_flows_agree_and_zero_where_the_flow_leaves_the_frame():
    consistency = forward_backward_consistency(constant_flow(3, 0), constant_flow(-3, 0))
    assert consistency.shape == (40, 60) and consistency.dtype == np.float32
    assert consistency[:, :57].min() > 0.99  # p + 3 lands inside: a perfect round trip
    assert consistency[:, 57:].max() == 0.0  # x + 3 > 59: no backward flow to check against


def test_consistency_is_near_zero_where_flows_disagree():
    forward = constant_flow(3, 0)
    backward = constant_flow(-3, 0)
    backward[:, 30:] = (3, 0)  # the right half does not come back
    consistency = forward_backward_consistency(forward, backward)
    assert consistency[:, :26].min() > 0.99  # lands at x + 3 < 30: agrees
    assert consistency[:, 28:57].max() < 1e-3  # lands at x + 3 > 30: round trip off by 6 px
    assert consistency[:, 57:].max() == 0.0


def test_consistency_of_real_dis_flows_agrees_on_a_shift():
    a, b = shifted_pair(4, 1)
    consistency = forward_backward_consistency(compute_flow(a, b), compute_flow(b, a))
    assert interior(consistency).mean() > 0.9
    assert (interior(consistency) > 0.5).mean() > 0.98


def test_consistency_tolerance_must_be_positive():
    with pytest.raises(ValueError):
        forward_backward_consistency(constant_flow(1, 0), constant_flow(-1, 0), tolerance=0)


# -- warp, sample_at, lands_inside ---------------------------------------------------------------


def test_warp_by_a_constant_integer_flow_is_a_roll_in_the_interior():
    image = textured(48, 64)
    flow = constant_flow(2, 1, 48, 64)
    warped = warp(image, flow)  # output(p) = image(p + (2, 1))
    expected = np.roll(image, shift=(-1, -2), axis=(0, 1))
    assert warped.dtype == np.uint8 and warped.shape == image.shape
    np.testing.assert_array_equal(warped[:-1, :-2], expected[:-1, :-2])
    assert warped[:, -2:].max() == 0  # read outside the image: the fill value


def test_warp_of_a_mask_with_nearest_sampling_stays_binary_and_moves():
    mask = np.zeros((48, 64), np.uint8)
    mask[10:20, 30:40] = 255
    warped = warp(mask, constant_flow(-3, 2, 48, 64), interpolation="nearest")
    assert set(np.unique(warped)) == {0, 255}
    np.testing.assert_array_equal(warped, np.roll(mask, shift=(-2, 3), axis=(0, 1)))


def test_warp_of_a_float_map_with_many_channels_keeps_them():
    image = np.random.default_rng(1).random((20, 30, 6)).astype(np.float32)  # > 4 channels: split remap
    warped = warp(image, constant_flow(1, 0, 20, 30))
    assert warped.shape == (20, 30, 6) and warped.dtype == np.float32
    np.testing.assert_allclose(warped[:, :-1], image[:, 1:], atol=1e-6)


def test_warp_rejects_an_unknown_interpolation():
    with pytest.raises(ValueError):
        warp(textured(8, 8), constant_flow(0, 0, 8, 8), interpolation="cubic")


def test_sample_at_with_no_positions_returns_empty_arrays():
    empty = np.zeros(0, np.float32)
    assert sample_at(textured(8, 8), empty, empty).shape == (0, 3)
    grey = sample_at(np.zeros((8, 8), np.float32), empty, empty)
    assert grey.shape == (0,) and grey.dtype == np.float32


def test_sample_at_reads_pixels_and_the_fill_value_outside():
    image = np.arange(20, dtype=np.float32).reshape(4, 5)
    values = sample_at(image, np.array([0, 4, 2.5, -3]), np.array([0, 3, 1, 0]), fill_value=-1)
    np.testing.assert_allclose(values, [0, 19, 7.5, -1])


def test_lands_inside_marks_where_the_flow_stays_in_the_frame():
    inside = lands_inside(constant_flow(-2, 0, 10, 10))
    assert not inside[:, :2].any() and inside[:, 2:].all()


# -- FlowField ----------------------------------------------------------------------------------


class CountingFrames:
    """A frame getter over a panning texture that counts how often each frame was decoded."""

    def __init__(self, count: int, step: int = 2, height: int = 64, width: int = 96) -> None:
        big = textured(height, width + count * step)
        self.frames = [np.ascontiguousarray(big[:, i * step : i * step + width]) for i in range(count)]
        self.calls = 0

    def __call__(self, index: int) -> np.ndarray:
        self.calls += 1
        return self.frames[index]


def test_flow_field_computes_each_pair_once_in_both_directions():
    frames = CountingFrames(5)
    field = FlowField(frames, 5)
    forward = field.flow(1, 2)
    assert field.pairs_computed == 1
    backward = field.flow(2, 1)
    np.testing.assert_array_equal(field.flow(1, 2), forward)
    field.consistency(1, 2)
    field.consistency(2, 1)
    assert field.pairs_computed == 1  # both directions and their consistency from one pair
    # The texture pans left by 2 px a frame: flow 1→2 is (-2, 0), flow 2→1 is (+2, 0).
    assert abs(np.median(forward[..., 0]) + 2) < 0.2 and abs(np.median(backward[..., 0]) - 2) < 0.2
    field.flow(0, 1)
    assert field.pairs_computed == 2


def test_flow_field_evicts_the_least_recently_used_pair():
    field = FlowField(CountingFrames(5), 5, cache_pairs=2)
    field.flow(0, 1)
    field.flow(1, 2)
    field.flow(0, 1)  # refresh (0, 1): (1, 2) is now the oldest
    field.flow(2, 3)  # evicts (1, 2)
    assert field.pairs_computed == 3
    field.flow(0, 1)
    assert field.pairs_computed == 3
    field.flow(1, 2)
    assert field.pairs_computed == 4


def test_flow_field_same_frame_is_zero_flow_and_full_consistency_without_dis():
    field = FlowField(CountingFrames(3), 3)
    flow = field.flow(2, 2)
    assert flow.shape == (64, 96, 2) and not flow.any()
    assert field.consistency(1, 1).min() == 1.0
    assert field.pairs_computed == 0


def test_flow_field_results_are_full_resolution_and_read_only_at_a_working_width():
    frames = CountingFrames(3, step=4, height=64, width=192)
    field = FlowField(frames, 3, working_width=96)
    assert field.frame_size == (192, 64) and field.working_size == (96, 32)
    flow = field.flow(0, 1)
    assert flow.shape == (64, 192, 2)
    assert abs(np.median(flow[..., 0]) + 4) < 0.5  # 2 working pixels = 4 full-resolution pixels
    assert field.consistency(0, 1).shape == (64, 192)
    with pytest.raises(ValueError):
        field.working_flow(0, 1)[0, 0, 0] = 1.0


@pytest.mark.parametrize("a, b", [(0, 5), (-1, 0), (2, 7)])
def test_flow_field_index_out_of_range_raises(a, b):
    field = FlowField(CountingFrames(5), 5)
    with pytest.raises(IndexError):
        field.flow(a, b)
    with pytest.raises(IndexError):
        field.consistency(a, b)


def test_flow_field_refuses_an_empty_clip_and_a_frame_of_another_size():
    with pytest.raises(ValueError):
        FlowField(lambda i: textured(8, 8), 0)
    frames = CountingFrames(3)
    frames.frames[2] = textured(32, 48)
    field = FlowField(frames, 3)
    field.flow(0, 1)
    with pytest.raises(ValueError):
        field.flow(1, 2)


def test_both_directions_of_a_pair_are_the_flows_computed_one_after_the_other(monkeypatch):
    import threading

    import core.flow.dis_flow as dis_flow

    rng = np.random.default_rng(3)
    first = cv2.GaussianBlur(rng.integers(0, 255, (90, 160), dtype=np.uint8), (5, 5), 0)
    second = np.roll(first, (2, 3), axis=(0, 1))
    threads = []
    real = dis_flow.compute_working_flow
    monkeypatch.setattr(dis_flow, "compute_working_flow",
                        lambda a, b, size: threads.append(threading.current_thread().name) or real(a, b, size))
    forward, backward = dis_flow.compute_both_ways(first, second, (160, 90))
    assert np.array_equal(forward, real(first, second, (160, 90)))
    assert np.array_equal(backward, real(second, first, (160, 90)))
    if dis_flow._SPARE_CORES:  # the other direction on a spare core, at the same time
        assert len(set(threads)) == 2
    monkeypatch.setattr(dis_flow, "_SPARE_CORES", 0)  # one core: one after the other, the same flows
    threads.clear()
    again = dis_flow.compute_both_ways(first, second, (160, 90))
    assert len(set(threads)) == 1
    assert np.array_equal(again[0], forward) and np.array_equal(again[1], backward)
