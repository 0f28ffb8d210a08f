"""core.fill: the flow fill recovers background an occluder hides; Telea, holes, stats, cancel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.errors import Cancelled, MaskError
from core.fill import FlowFill, composite, hole_from_mask, telea_fill
from core.fill.flow_completion import complete_flow
from core.progress import CancelToken

WIDTH, HEIGHT, FRAMES = 96, 64, 16
OCCLUDER = (250, 30, 200)  # RGB, nothing like the texture


def texture(width: int, height: int, seed: int = 1) -> np.ndarray:
    """``(height, width, 3)`` uint8 RGB smooth random texture (features at ~4 px)."""
    noise = np.random.default_rng(seed).integers(0, 256, (height // 4 + 2, width // 4 + 2, 3), dtype=np.uint8)
    return cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)


def square_mask(x: int, y: int = 22, size: tuple[int, int] = (18, 20)) -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    mask[y : y + size[1], x : x + size[0]] = 255
    return mask


class OccludedClip:
    """A textured background (static, or panning ``pan`` px/frame left) behind an opaque square
    moving ``speed`` px/frame right. ``background[i]`` is the truth the fill should recover."""

    def __init__(self, *, pan: int = 0, speed: int = 4, start_x: int = 8, frames: int = FRAMES) -> None:
        wide = texture(WIDTH + pan * frames, HEIGHT)
        self.background = [np.ascontiguousarray(wide[:, i * pan : i * pan + WIDTH]) for i in range(frames)]
        self.masks = [square_mask(start_x + speed * i) for i in range(frames)]
        self.frames = []
        for background, mask in zip(self.background, self.masks):
            frame = background.copy()
            frame[mask > 0] = OCCLUDER
            self.frames.append(frame)

    def flow_fill(self, **kwargs) -> FlowFill:
        return FlowFill(self.frames.__getitem__, self.masks.__getitem__, len(self.frames), **kwargs)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 arrays (capped at 100 dB for equal arrays)."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


# -- FlowFill quality ---------------------------------------------------------------------------


@pytest.mark.parametrize("pan", [0, 2], ids=["static", "panning"])
def test_flow_fill_recovers_the_background_behind_a_moving_occluder(pan):
    clip = OccludedClip(pan=pan)
    fill = clip.flow_fill()
    t = FRAMES // 2
    filled = fill.fill_frame(t)
    hole = hole_from_mask(clip.masks[t], fill.dilate)
    truth = clip.background[t]
    flow_psnr = psnr(filled[hole], truth[hole])
    telea_psnr = psnr(telea_fill(clip.frames[t], clip.masks[t], dilate=fill.dilate)[hole], truth[hole])
    assert flow_psnr > 35, flow_psnr
    assert flow_psnr > telea_psnr + 15, (flow_psnr, telea_psnr)
    assert fill.last_fill_stats.from_frames == hole.sum() and fill.last_fill_stats.from_telea == 0


def test_fill_clip_recovers_every_frame_and_keeps_pixels_outside_the_hole_bit_for_bit():
    clip = OccludedClip()
    fill = clip.flow_fill()
    filled = list(fill.fill_clip())
    assert len(filled) == FRAMES
    for index, (result, frame, mask) in enumerate(zip(filled, clip.frames, clip.masks)):
        assert result.shape == frame.shape and result.dtype == np.uint8
        hole = hole_from_mask(mask, fill.dilate)
        np.testing.assert_array_equal(result[~hole], frame[~hole], err_msg=f"frame {index}")
        assert psnr(result[hole], clip.background[index][hole]) > 30, index
        assert not (result[hole] == OCCLUDER).all(axis=1).any()  # no occluder colour left


def test_outside_the_hole_is_bit_identical_even_where_telea_fills():
    # A square that never moves: no frame shows what is behind it, so Telea does all the work.
    clip = OccludedClip(speed=0)
    fill = clip.flow_fill(dilate=2)
    result = fill.fill_frame(3)
    hole = hole_from_mask(clip.masks[3], 2)
    np.testing.assert_array_equal(result[~hole], clip.frames[3][~hole])
    assert not np.array_equal(result[hole], clip.frames[3][hole])


def test_fill_frame_without_a_hole_returns_the_frame():
    clip = OccludedClip()
    empty = np.zeros((HEIGHT, WIDTH), np.uint8)
    fill = FlowFill(clip.frames.__getitem__, lambda i: empty, FRAMES)
    np.testing.assert_array_equal(fill.fill_frame(5), clip.frames[5])
    assert fill.last_fill_stats.hole_pixels == 0 and fill.last_fill_stats.flow_coverage == 1.0


# -- statistics ---------------------------------------------------------------------------------


def assert_stats_account_for_every_hole_pixel(fill: FlowFill, mask: np.ndarray) -> None:
    stats = fill.last_fill_stats
    assert stats.hole_pixels == hole_from_mask(mask, fill.dilate).sum()
    assert stats.from_frames + stats.from_previous + stats.from_telea == stats.hole_pixels, stats


def test_stats_of_a_moving_occluder_come_from_other_frames():
    clip = OccludedClip()
    fill = clip.flow_fill()
    fill.fill_frame(7)
    assert_stats_account_for_every_hole_pixel(fill, clip.masks[7])
    assert fill.last_fill_stats.source_frames >= 1 and fill.last_fill_stats.flow_coverage == 1.0


def test_stats_of_a_static_occluder_come_from_telea():
    clip = OccludedClip(speed=0)
    fill = clip.flow_fill()
    fill.fill_frame(7)
    assert_stats_account_for_every_hole_pixel(fill, clip.masks[7])
    stats = fill.last_fill_stats
    assert stats.from_telea == stats.hole_pixels and stats.from_frames == 0 and stats.source_frames == 0
    assert stats.flow_coverage == 0.0


def test_stats_of_a_slow_occluder_mix_sources_and_fill_clip_borrows_from_the_previous_frame():
    # 1 px/frame over 16 frames reveals only part of what the 24 px wide hole hides.
    clip = OccludedClip(speed=1, start_x=30)
    fill = clip.flow_fill(max_distance=3)
    fill.fill_frame(8)
    assert_stats_account_for_every_hole_pixel(fill, clip.masks[8])
    stats = fill.last_fill_stats
    assert stats.from_frames > 0 and stats.from_telea > 0 and stats.from_previous == 0
    borrowed = 0
    for index, _ in enumerate(fill.fill_clip(start=4, stop=10)):
        assert_stats_account_for_every_hole_pixel(fill, clip.masks[4 + index])
        borrowed += fill.last_fill_stats.from_previous
    assert borrowed > 0


# -- errors, progress and cancel ----------------------------------------------------------------


def test_mask_of_the_wrong_size_raises_mask_error():
    clip = OccludedClip()
    small = np.zeros((HEIGHT // 2, WIDTH // 2), np.uint8)
    fill = FlowFill(clip.frames.__getitem__, lambda i: small, FRAMES)
    with pytest.raises(MaskError, match=r"48x32 but the clip is 96x64"):
        fill.fill_frame(0)
    with pytest.raises(MaskError, match="resize"):
        telea_fill(clip.frames[0], small)
    with pytest.raises(MaskError):
        hole_from_mask(np.zeros((HEIGHT, WIDTH, 3), np.uint8), 2)


def test_fill_frame_index_outside_the_clip_raises():
    fill = OccludedClip().flow_fill()
    with pytest.raises(IndexError):
        fill.fill_frame(FRAMES)
    with pytest.raises(IndexError):
        list(fill.fill_clip(start=2, stop=FRAMES + 1))


def test_fill_clip_reports_progress_and_honours_cancel():
    clip = OccludedClip()
    token = CancelToken()
    calls = []

    def progress(done, total, message):
        calls.append((done, total))
        if done == 3:
            token.cancel()

    frames = clip.flow_fill().fill_clip(start=2, stop=12, progress=progress, cancel=token)
    received = []
    with pytest.raises(Cancelled):
        for frame in frames:
            received.append(frame)
    assert calls == [(1, 10), (2, 10), (3, 10)]
    assert len(received) == 3


def test_fill_clip_progress_reaches_the_total():
    calls = []
    list(OccludedClip(frames=6).flow_fill().fill_clip(progress=lambda d, t, m: calls.append((d, t, m))))
    assert [(d, t) for d, t, _ in calls] == [(i, 6) for i in range(1, 7)]
    assert all(isinstance(m, str) and m for _, _, m in calls)


# -- Telea and the hole --------------------------------------------------------------------------


def test_telea_fill_changes_only_the_grown_mask_and_removes_the_occluder():
    clip = OccludedClip()
    result = telea_fill(clip.frames[4], clip.masks[4], dilate=2)
    hole = hole_from_mask(clip.masks[4], 2)
    np.testing.assert_array_equal(result[~hole], clip.frames[4][~hole])
    assert not (result[hole] == OCCLUDER).all(axis=1).any()
    np.testing.assert_array_equal(telea_fill(clip.frames[4], np.zeros((HEIGHT, WIDTH), np.uint8)), clip.frames[4])


def test_hole_is_the_mask_grown_by_dilate_pixels():
    mask = np.zeros((21, 21), np.uint8)
    mask[10, 10] = 255
    hole = hole_from_mask(mask, 3)
    assert hole[10, 7] and hole[10, 13] and hole[7, 10] and not hole[10, 6] and not hole[6, 6]
    assert hole_from_mask(mask, 0).sum() == 1


def test_composite_takes_filled_inside_and_original_outside():
    original = np.zeros((4, 4, 3), np.uint8)
    filled = np.full((4, 4, 3), 9, np.uint8)
    hole = np.zeros((4, 4), bool)
    hole[1, 2] = True
    out = composite(original, filled, hole)
    assert out[1, 2].tolist() == [9, 9, 9] and out.sum() == 27


# -- flow completion ---------------------------------------------------------------------------


def test_complete_flow_continues_the_surrounding_motion_and_keeps_reliable_vectors():
    yy, xx = np.mgrid[0:40, 0:60].astype(np.float32)
    flow = np.dstack([2 + 0.05 * xx, -1 + 0.02 * yy]).astype(np.float32)  # smooth camera motion
    truth = flow.copy()
    unreliable = np.zeros((40, 60), bool)
    unreliable[10:30, 20:45] = True
    flow[unreliable] = (17, -9)  # DIS following the object
    completed = complete_flow(flow, unreliable)
    np.testing.assert_array_equal(completed[~unreliable], truth[~unreliable])
    assert np.abs(completed[unreliable] - truth[unreliable]).max() < 1.0
    np.testing.assert_array_equal(complete_flow(flow, np.ones((40, 60), bool)), np.zeros_like(flow))
    assert complete_flow(flow, np.zeros((40, 60), bool)) is flow


# -- background homographies --------------------------------------------------------------------


def zooming_clip(frames: int = 30, zoom: float = 1.01, pan: float = 1.5):
    """Background zooming ``zoom`` per frame about the centre and panning ``pan`` px/frame left,
    behind an opaque square crawling 1 px/frame: background hidden at the middle frame is seen only
    from about ten frames away. Returns ``(frames, masks, backgrounds)``."""
    wide = texture(WIDTH * 2, HEIGHT * 2, seed=3)
    backgrounds, masks, shown = [], [], []
    for i in range(frames):
        scale = zoom**i  # wide's centre lands on the frame's centre, shifted by the pan
        matrix = np.array([[scale, 0, WIDTH / 2 - scale * WIDTH - i * pan], [0, scale, HEIGHT / 2 - scale * HEIGHT]])
        background = cv2.warpAffine(wide, matrix, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
        mask = square_mask(30 + i, size=(16, 18))
        frame = background.copy()
        frame[mask > 0] = OCCLUDER
        backgrounds.append(background), masks.append(mask), shown.append(frame)
    return shown, masks, backgrounds


def test_flow_fill_recovers_a_zooming_panning_background_from_far_frames():
    frames, masks, backgrounds = zooming_clip()
    fill = FlowFill(frames.__getitem__, masks.__getitem__, len(frames))
    t = len(frames) // 2
    filled = fill.fill_frame(t)
    hole = hole_from_mask(masks[t], fill.dilate)
    flow_psnr = psnr(filled[hole], backgrounds[t][hole])
    telea_psnr = psnr(telea_fill(frames[t], masks[t], dilate=fill.dilate)[hole], backgrounds[t][hole])
    assert flow_psnr > 35, flow_psnr
    assert flow_psnr > telea_psnr + 10, (flow_psnr, telea_psnr)
    assert fill.last_fill_stats.from_frames == hole.sum()


def test_far_frames_do_not_lend_an_unmasked_moving_object():
    """A green square nobody masked crosses the background behind the hole in frames far before
    the target; the fill must show the background there, not the square's ghost."""
    clip = OccludedClip(speed=1, start_x=30, frames=30)
    t = 20
    for i in range(4, 11):  # the square passes x 28..64 in frames 4..10, moving 6 px/frame
        clip.frames[i][20:44, 28 + 6 * (i - 4) - 8 : 28 + 6 * (i - 4) + 8] = (0, 255, 0)
    fill = clip.flow_fill(candidates=1)
    filled = fill.fill_frame(t)
    hole = hole_from_mask(clip.masks[t], fill.dilate)
    assert fill.last_fill_stats.from_frames == hole.sum()
    assert psnr(filled[hole], clip.background[t][hole]) > 35
    unguarded = clip.flow_fill(candidates=1, near_distance=30).fill_frame(t)
    assert psnr(unguarded[hole], clip.background[t][hole]) < 25  # what the moving check prevents
