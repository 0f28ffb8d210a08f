"""The re-anchoring's band is counted on the flow's working grid, so it covers the same part of the
frame at 1080p as at 432x240 (it was 4.5 times narrower at 1080p, counted in the frame's pixels)."""

from __future__ import annotations

import numpy as np

from core.flow import FlowField
from core.roto.background_cue import BAND_PX, BackgroundCue, blend_with_difference


def test_the_band_is_the_working_grids_so_wider_frames_get_a_wider_band_in_their_pixels():
    def frames_of(width: int, height: int):
        return lambda index: np.zeros((height, width, 3), np.uint8)

    narrow = BackgroundCue(frames_of(432, 240), FlowField(frames_of(432, 240), 4, working_width=480))
    wide = BackgroundCue(frames_of(1920, 1080), FlowField(frames_of(1920, 1080), 4, working_width=480))
    assert narrow.band_px == BAND_PX
    assert wide.band_px == 4 * BAND_PX


def test_the_frame_adds_differing_pixels_as_far_as_the_band_and_no_farther():
    matte = np.zeros((200, 200), np.float32)
    matte[90:110, 90:110] = 1.0
    difference = np.full(matte.shape, 255.0, np.float32)  # everything differs from the background
    known = np.ones(matte.shape, bool)
    row = 100
    for band in (BAND_PX, 2 * BAND_PX):
        blended = blend_with_difference(matte, difference, known, band_px=band)
        reached = np.flatnonzero(blended[row] >= 0.5)
        assert reached.max() - 109 == band  # the band's edge, to the pixel
