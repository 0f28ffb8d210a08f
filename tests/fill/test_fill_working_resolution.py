"""The flow fill of a clip wider than its working width (issue 14, "Resolution"): sources chosen on
the working grid, pixels sampled at full resolution; outside the hole bit for bit; the working
width checked."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import SettingsError
from core.fill import FlowFill, hole_from_mask
from core.fill.holes import composite
from core.fill.telea import inpaint_hole
from core.flow import FlowField
from core.project import ClipRef, MaskKind, new_project
from core.render import RemovalOptions, removed_frames

WIDTH, HEIGHT, FRAMES = 384, 256, 14
WORKING_WIDTH = 96  # a quarter of the clip's width, as 480 is of 1920
OCCLUDER = (250, 30, 200)


def clip() -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """``(frames, masks, backgrounds)``: texture (features of ~16 px, 4 on the working grid)
    panning 3 px/frame left behind an opaque box moving 12 px/frame right; ``backgrounds`` are the
    truth behind it."""
    noise = np.random.default_rng(3).integers(0, 256, (HEIGHT // 16, (WIDTH + 3 * FRAMES) // 16, 3), np.uint8)
    wide = cv2.resize(noise, ((WIDTH + 3 * FRAMES), HEIGHT), interpolation=cv2.INTER_CUBIC)
    frames, masks, backgrounds = [], [], []
    for i in range(FRAMES):
        background = np.ascontiguousarray(wide[:, 3 * i: 3 * i + WIDTH])
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        mask[90:170, 60 + 12 * i: 124 + 12 * i] = 255
        frame = background.copy()
        frame[mask > 0] = OCCLUDER
        frames.append(frame), masks.append(mask), backgrounds.append(background)
    return frames, masks, backgrounds


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def flow_fill(frames, masks, working_width: int | None) -> FlowFill:
    flow = FlowField(frames.__getitem__, len(frames), working_width=working_width)
    return FlowFill(frames.__getitem__, masks.__getitem__, len(frames), flow=flow)


def test_above_the_working_width_outside_the_hole_is_bit_exact_and_the_hole_filled():
    frames, masks, backgrounds = clip()
    fill = flow_fill(frames, masks, WORKING_WIDTH)
    for index, result in enumerate(fill.fill_clip()):
        hole = hole_from_mask(masks[index], fill.dilate)
        np.testing.assert_array_equal(result[~hole], frames[index][~hole], err_msg=f"frame {index}")
        assert psnr(result[hole], backgrounds[index][hole]) > 30, index
        assert not (result[hole] == OCCLUDER).all(axis=1).any(), index
    assert fill._working_search is not None  # the working-grid search ran, not the full-resolution one


def test_the_working_grid_search_samples_full_resolution_pixels():
    """As good in the hole as every full-resolution pixel searching all sources (the same flow),
    and sharper than the fill computed on the working grid and upsampled."""
    frames, masks, backgrounds = clip()
    t = FRAMES // 2
    hole = hole_from_mask(masks[t], 3)
    working = psnr(flow_fill(frames, masks, WORKING_WIDTH).fill_frame(t)[hole], backgrounds[t][hole])
    every_pixel = flow_fill(frames, masks, WORKING_WIDTH)
    every_pixel._working_search = None  # the search of a clip no wider than its working grid
    full = psnr(every_pixel.fill_frame(t)[hole], backgrounds[t][hole])
    size = (WORKING_WIDTH, HEIGHT * WORKING_WIDTH // WIDTH)
    small_frames = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
    small_masks = [cv2.resize(m, size, interpolation=cv2.INTER_AREA) for m in masks]
    small = flow_fill(small_frames, small_masks, None).fill_frame(t)
    upsampled = psnr(cv2.resize(small, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)[hole], backgrounds[t][hole])
    assert working > 40 and working > full - 0.5, (working, full)
    assert working > upsampled + 5.0, (working, upsampled)


def test_removal_of_a_project_wider_than_its_working_width():
    frames, masks, backgrounds = clip()
    project = new_project(ClipRef(Path("wide.mp4"), WIDTH, HEIGHT, FRAMES, Fraction(25)))
    for i, mask in enumerate(masks):
        project.set_mask(project.objects[0].id, i, mask, MaskKind.KEYFRAME)
    project.update_settings(working_width=WORKING_WIDTH)
    results = list(removed_frames(project, frames.__getitem__, RemovalOptions("flow"), start=4, stop=8))
    for index, result in zip(range(4, 8), results):
        hole = hole_from_mask(masks[index], 3)
        np.testing.assert_array_equal(result[~hole], frames[index][~hole])
        assert psnr(result[hole], backgrounds[index][hole]) > 30


def test_telea_on_the_hole_s_bounding_box_equals_telea_on_the_whole_frame():
    frame = clip()[0][0]
    hole = np.zeros((HEIGHT, WIDTH), bool)
    hole[40:70, 30:90] = True
    hole[200:210, 300:380] = True  # a second piece far away: one box around both
    whole = cv2.inpaint(frame, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    np.testing.assert_array_equal(inpaint_hole(frame, hole), composite(frame, whole, hole))
    corner = np.zeros_like(hole)
    corner[:12, -20:] = True  # the box reaches the frame's edge
    whole = cv2.inpaint(frame, corner.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    np.testing.assert_array_equal(inpaint_hole(frame, corner), composite(frame, whole, corner))


@pytest.mark.parametrize("width", [0, -480])
def test_a_working_width_of_zero_or_less_is_refused_with_a_clear_message(width):
    project = new_project(ClipRef(Path("wide.mp4"), WIDTH, HEIGHT, FRAMES, Fraction(25)))
    with pytest.raises(SettingsError, match=rf"The working width {width} is out of range \(64 to 8192 pixels\)"):
        project.update_settings(working_width=width)
    with pytest.raises(ValueError, match=rf"working_width must be a positive number of pixels or None, not {width}"):
        FlowField(lambda i: np.zeros((HEIGHT, WIDTH, 3), np.uint8), 2, working_width=width)
