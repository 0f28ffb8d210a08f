"""The background's motion between frames as homographies, and where a frame shows something else.

Completed DIS flow is good between neighbouring frames but goes badly wrong inside holes when chained
over more than a couple of frames, and its forward-backward consistency does not reveal it. The
background of most shots moves as one plane would (a rotating camera, a far or flat scene), so, as
for rotoscoping (:mod:`core.roto.background_cue`), we model it per pair of neighbouring frames by a
homography fitted with RANSAC to the DIS flow *outside* the holes, and chain those: the chained
homography carries no interpolated flow and its error grows slowly with the distance.

A frame's *moving* pixels are those that no nearby frame (±1, ±2), aligned on the background by
these homographies, shows in about the same colour: an unmasked moving object (a tennis player
next to the removed one), or strong parallax. Far source frames must not lend those pixels, or the
fill shows ghosts of things that were at the background's place at another time.

Homographies are fitted on the flow's working grid and returned in full-resolution pixels; the
moving mask is measured and kept on the working grid (bounded memory at 4K).
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from core.flow import FlowField, background_homography, sample_at, warp
from core.lru import LRUCache

MOVING_COLOUR_DISTANCE = 70.0  # RGB distance (0..441) above which a pixel matches no aligned neighbour
MOVING_GROW_PX = 7  # working pixels the moving mask is grown by (edges, motion blur)
_NEIGHBOURS = (-1, 1, -2, 2)  # frames compared for the moving mask
_EXCLUDE_PX = 4  # working pixels around holes left out of the fit (DIS drags flow along the object)
_HOMOGRAPHIES_KEPT = 512  # a fill visits ±max_distance frames; the next target reuses most
_MOVING_KEPT = 96  # working-grid masks
_CHANNEL_SUM = np.ones((1, 3), np.float32)
_BLURRED_KEPT = 12  # working-grid frames: moving masks of sources on both sides read 5 frames each


class BackgroundMotion:
    """Background homographies between the frames of a clip, and each frame's moving pixels.

    flow: the clip's :class:`FlowField` (its neighbour flows are reused);
    working_hole(i): ``(h, w)`` bool hole of frame ``i`` on the working grid.
    """

    def __init__(
        self,
        frame_of: Callable[[int], np.ndarray],
        flow: FlowField,
        working_hole: Callable[[int], np.ndarray],
    ) -> None:
        self._frame = frame_of
        self._flow = flow
        self._working_hole = working_hole
        self._homographies: LRUCache[tuple[int, int], np.ndarray] = LRUCache(_HOMOGRAPHIES_KEPT)
        self._moving: LRUCache[int, np.ndarray] = LRUCache(_MOVING_KEPT)
        self._blurred_frames: LRUCache[int, np.ndarray] = LRUCache(_BLURRED_KEPT)
        width, height = flow.frame_size
        working_width, working_height = flow.working_size
        scale_x, scale_y = working_width / width, working_height / height
        # pixel centres aligned, as cv2.resize does: p_working = (p + 0.5) * scale - 0.5
        self._to_working = np.array(
            [[scale_x, 0, 0.5 * scale_x - 0.5], [0, scale_y, 0.5 * scale_y - 0.5], [0, 0, 1.0]]
        )

    def neighbour_homography(self, a: int, b: int) -> np.ndarray:
        """3x3 homography taking frame ``a``'s background (full-res pixels) to frame ``b``'s."""
        return self.to_full_resolution(self.neighbour_working_homography(a, b))

    def neighbour_working_homography(self, a: int, b: int) -> np.ndarray:
        """The same homography on the flow's working grid (working pixels in and out)."""
        return self._working_homography(a, b)

    def to_full_resolution(self, working_homography: np.ndarray) -> np.ndarray:
        """A homography between working-grid pixels as one between full-resolution pixels."""
        return self._from_working(working_homography)

    def moving_at(self, index: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(n,)`` bool: whether frame ``index`` at full-resolution positions ``x``, ``y`` shows
        something other than the background its neighbours see there."""
        (scale_x, _, shift_x), (_, scale_y, shift_y) = self._to_working[:2]
        return self.moving_at_working(index, x * scale_x + shift_x, y * scale_y + shift_y)

    def moving_at_working(self, index: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`moving_at` for positions given in working-grid pixels."""
        return sample_at(self.moving_working(index), x, y, interpolation="nearest", fill_value=1) > 0

    def moving_working(self, index: int) -> np.ndarray:
        """Frame ``index``'s moving pixels on the working grid, ``(h, w)`` uint8 0/1 (kept)."""
        return self._moving.made(index, lambda: self._measure_moving(index))

    # -- fitting -----------------------------------------------------------------------------

    def _working_homography(self, a: int, b: int) -> np.ndarray:
        if abs(a - b) > 1:
            middle = (a + b) // 2
            return self._working_homography(middle, b) @ self._working_homography(a, middle)
        return self._homographies.made((a, b), lambda: self._fitted(a, b))

    def _fitted(self, a: int, b: int) -> np.ndarray:
        flow = self._flow.working_flow(a, b)
        lands_in_hole = warp(self._working_hole(b).astype(np.uint8), flow, interpolation="nearest") > 0
        excluded = (self._working_hole(a) | lands_in_hole).astype(np.uint8)
        excluded = cv2.dilate(excluded, np.ones((2 * _EXCLUDE_PX + 1,) * 2, np.uint8)) > 0
        return background_homography(flow, excluded)

    def _from_working(self, homography: np.ndarray) -> np.ndarray:
        return np.linalg.inv(self._to_working) @ homography @ self._to_working

    def _blurred(self, index: int) -> np.ndarray:
        """Frame ``index`` on the working grid, blurred (kept: each frame's moving mask reads its
        four neighbours, and at 1080p blurring whole frames was a tenth of the fill's time)."""
        return self._blurred_frames.made(
            index, lambda: _blurred(self._frame(index), self._flow.working_size))

    def _measure_moving(self, index: int) -> np.ndarray:
        width, height = self._flow.working_size
        image = self._blurred(index)
        best = np.full((height, width), np.inf, np.float32)
        for offset in _NEIGHBOURS:
            other = index + offset
            if not 0 <= other < self._flow.frame_count:
                continue
            homography = self._working_homography(index, other)
            flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP  # output(p) = input(H p)
            seen = cv2.warpPerspective(
                self._blurred(other), homography, (width, height), flags=flags,
                borderMode=cv2.BORDER_CONSTANT, borderValue=(-1e4,) * 3,
            )
            hidden = cv2.warpPerspective(
                self._working_hole(other).astype(np.uint8), homography, (width, height),
                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=1,
            ) > 0
            difference = cv2.subtract(image, seen)
            # squared distance summed over the channels by OpenCV: 16x cheaper than np.linalg.norm
            distance = cv2.transform(cv2.multiply(difference, difference), _CHANNEL_SUM)
            distance[hidden] = np.inf
            np.minimum(best, distance, out=best)
        moving = ((best > MOVING_COLOUR_DISTANCE**2) & np.isfinite(best)).astype(np.uint8)
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * MOVING_GROW_PX + 1,) * 2)
        return cv2.dilate(moving, disc)


def _blurred(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (frame.shape[1], frame.shape[0]) != size:  # area-averaged in 8 bits: 4x cheaper than float at 1080p
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(frame.astype(np.float32), (5, 5), 0)

