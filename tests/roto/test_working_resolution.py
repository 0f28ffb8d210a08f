"""Rotoscoping a clip wider than its working width (issue 14, "Resolution"): the background cue's
homographies are fitted on the flow's working grid, where DIS computed the flow."""

from __future__ import annotations

import cv2
import numpy as np

from core.flow import FlowField, apply_homography, background_homography
from core.roto.background_cue import _EXCLUDE_PX, BackgroundCue
from core.roto.carry import CarriedMatte, carry_one_frame
from tests.roto_scenes import HEIGHT, WIDTH, PanningObjectWithPole


def test_the_working_grid_fit_agrees_with_a_fit_to_the_upsampled_flow():
    scene = PanningObjectWithPole(frame_count=6)
    flow = FlowField(scene.frame, scene.frame_count, working_width=80)
    object_3 = scene.mask(3) > 0
    working_fit = BackgroundCue(scene.frame, flow)._neighbour_homography(3, 4, object_3.astype(np.float32))
    size = 2 * _EXCLUDE_PX + 1
    excluded = cv2.dilate(object_3.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    full_fit = background_homography(flow.flow(3, 4), excluded)  # what was fitted before: 4 times the points
    corners = np.array([[0, 0], [WIDTH - 1, 0], [0, HEIGHT - 1], [WIDTH - 1, HEIGHT - 1]], np.float32)
    moved = apply_homography(working_fit, corners)
    assert np.abs(moved - apply_homography(full_fit, corners)).max() < 0.5
    assert np.abs(moved - (corners + scene.pan)).max() < 0.75  # the wall pans (-2, 0) px a frame


def test_a_matte_is_carried_at_full_resolution_along_motion_measured_on_the_working_grid():
    """A disc on a texture that moves 8 px right and 4 down: carried one frame with the flow at a
    quarter of the width, the matte lands where the disc is, its edge as sharp as the keyframe's."""
    width, height, shift = 384, 256, (8, 4)
    noise = np.random.default_rng(5).integers(0, 256, (height // 8 + 4, width // 8 + 4, 3), np.uint8)
    wide = cv2.resize(noise, (width + 32, height + 32), interpolation=cv2.INTER_CUBIC)
    frames = [np.ascontiguousarray(wide[16 - shift[1] * i: 16 - shift[1] * i + height,
                                        16 - shift[0] * i: 16 - shift[0] * i + width]) for i in range(2)]
    discs = []
    for i in range(2):
        disc = np.zeros((height, width), np.uint8)
        cv2.circle(disc, (150 + shift[0] * i, 120 + shift[1] * i), 50, 255, -1, lineType=cv2.LINE_AA)
        discs.append(disc.astype(np.float32) / 255)
    flow = FlowField(frames.__getitem__, 2, working_width=96)
    carried = carry_one_frame(CarriedMatte(0, discs[0], np.ones_like(discs[0])), 1, flow)
    assert carried.matte.shape == (height, width)
    assert np.abs(carried.matte - discs[1]).mean() < 0.01  # about 0.6 % of a pixel's weight off, on average
    edge = (discs[1] > 0.05) & (discs[1] < 0.95)
    assert np.abs(carried.matte[edge] - discs[1][edge]).mean() < 0.2  # the anti-aliased edge kept, not blurred
