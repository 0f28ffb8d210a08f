"""Rotoscoping a clip wider than its working width (issue 14, "Resolution"): the background cue's
homographies are fitted on the flow's working grid, where DIS computed the flow."""

from __future__ import annotations

import cv2
import numpy as np

from core.flow import FlowField, apply_homography, background_homography
from core.roto.background_cue import _EXCLUDE_PX, BackgroundCue
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
