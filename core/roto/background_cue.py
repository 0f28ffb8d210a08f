"""Re-anchoring a carried matte on the frame itself: does each pixel look like the background there?

Flow alone drifts: after ten frames a carried mask has slid off thin parts and kept pieces of the
background. The frame says where the object is if we know what the background looks like behind
it, and a few frames earlier (in the direction the matte is being carried) the object was
elsewhere, so that background was visible. For frame ``t`` and each neighbour ``u`` 1, 3, 6 and 10
frames back (``NEIGHBOUR_OFFSETS``):

1. the background's motion from ``t`` to ``u`` is a homography, chained from one homography per
   pair of neighbouring frames, each fitted (RANSAC) to the optical flow outside the object;
2. frame ``u`` is warped onto ``t``'s grid with it, together with ``u``'s own (already carried)
   matte, and the colour difference ``|I_t - I_u|`` is kept only where ``u`` showed background;
3. the *background difference* ``D`` is the smallest such difference over the neighbours (one
   neighbour that shows the same background is enough to call a pixel background), each pixel
   compared with the closest of ``u``'s within ``ALIGN_TOLERANCE_PX``: on a nearly static shot
   taken by hand, a homography off by a pixel made every mortar line of a brick wall "differ";
4. the keyframe the matte was carried from is compared too, through the homographies chained back
   to it, where it shows background: where the carried mask kept a piece of background for more
   than 10 frames, no neighbour shows it any more (their mattes cover it too).

Then, in a band of ``BAND_PX`` (pixels of the flow's working grid) around the carried mask, ``D``
mapped to 0..1 between ``CUE_LOW`` and ``CUE_HIGH`` is blended with the carried matte
(``PRIOR_WEIGHT`` of it); where no neighbour saw the background the carried matte stays as it is,
and outside the band the matte is 0. With a prior weight just under one half, a pixel the flow
calls object stays object unless it matches the background, and a pixel the flow missed joins only
when it clearly differs from the background (more clearly where the carried matte is still
trusted: a reflection or a shadow moves with the object and differs too) and its piece of the mask
touches the carried one (:mod:`core.roto.mask_pieces`): a speckle standing alone on the wall would
widen the band and feed itself frame after frame (issue 15).
A pixel carried as object whose neighbourhood has the colours of the background around the
keyframe's object, not the object's (:mod:`core.roto.object_colours`), leaves the mask: rippling
water differs from every neighbour, and once carried it stayed and grew.
A pixel carried as object that *moves* unlike the background (its flow to the neighbour frame off
the background homography's motion by more than ``MOTION_HIGH_PX``) counts as differing from it,
whatever its colour: a dark coat in front of dark shop windows matches the background it hides and
left the mask within a few frames (scooter-gray). Only where the frame has texture: on a uniform
surface the flow is its surroundings' smoothed in, and the pixels just behind a moving object
"moved" with it (a trail). On 12 training sequences from one keyframe, J&F 67.6 -> 68.9
(docs/quality.md, "Stop 19").
Pieces of the mask that stray from the object are then dropped (:func:`without_stray_pieces`).

The homography is exact for a camera that rotates or looks at a far or flat scene; parallax (a tree
close to the camera) shows up as a difference too, which the band keeps away from the object.
The difference is measured at most ``WORKING_WIDTH`` pixels wide (the frames and mattes are
downscaled, the result upscaled) so the cost per frame stays bounded at 4K.
Constants were chosen on bmx-trees (tennis is held out): see docs/quality.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Mapping

import cv2
import numpy as np

from core.flow import FlowField, background_homography, working_to_full_resolution
from core.lru import LRUCache
from core.resize import resized
from core.roto.carry import CarriedMatte
from core.roto.mask_pieces import without_detached_pieces
from core.roto.object_box import Box, box_origin, grown_mask_box, scaled_box
from core.roto.object_colours import ObjectColours

NEIGHBOUR_OFFSETS = (1, 3, 6, 10)  # frames back along the carrying direction whose background is compared
PRIOR_WEIGHT = 0.45  # of the carried matte in the blend; below 0.5 so that the frame can veto it
CUE_LOW, CUE_HIGH = 15.0, 50.0  # RGB distance (0..441) mapped to 0..1 "differs from the background"
ADD_LOW_RAISE, ADD_HIGH_RAISE = 15.0, 30.0  # both raised this much to add a pixel where the carry is fully trusted
BAND_PX = 20  # how far from the carried mask the frame may add object pixels (working pixels, as the refiner's band)
NEAR_PX = 10  # pieces of the mask farther than this from its largest piece are dropped...
NEAR_AREA = 1 / 3  # ...unless at least this fraction of its area
ALIGN_TOLERANCE_PX = 1  # a pixel matches the background if any within this distance does
CARRIED_SUPPORT = 0.1  # a piece the frame adds is kept when it touches the carried matte's pixels above this
WORKING_WIDTH = 960  # pixels: wider frames are compared on a downscaled copy
MOTION_LOW_PX, MOTION_HIGH_PX = 0.5, 1.5  # flow off the background's motion (working pixels) mapped to 0..1 "moves apart"
# ...counted only where the frame has texture for the flow to hold on to: the mean grey-level
# gradient (0..255 a pixel, 5x5) mapped to 0..1 between these (scooter-gray: a dark coat ~15, the road ~4.5)
TEXTURE_LOW, TEXTURE_HIGH = 4.0, 10.0
COLOUR_VETO = 0.2  # a carried pixel whose neighbourhood's (5x5) object-colour likelihood is under this leaves the mask
_EXCLUDE_PX = 7  # object pixels and this much around them are left out of the homography fit
# the re-anchoring works in the box of the band (band_px) around the carried mask, with room for
# the 5x5 colour blur; on the comparison's grid with room for its 3x3 blurs, erosion, alignment
# tolerance and the upscaling's interpolation (beyond, the blend is 0 whatever is measured)
_BOX_MARGIN_PX = 3  # beyond the band
_WORKING_BOX_MARGIN_PX = 5
_WORKING_FRAMES_KEPT = 14  # frames on the comparison's grid: the 10 behind, the keyframe, room to spare


@dataclass(frozen=True)
class Keyframe:
    """The keyframe a matte is carried from: the one frame whose object and background are known.

    frame: its index; matte: ``(H, W)`` float32 0..1, as painted; area: pixels of its mask;
    colours: its object's and surround's colours (:class:`~core.roto.object_colours.ObjectColours`).
    """

    frame: int
    matte: np.ndarray
    area: float
    colours: ObjectColours

    @classmethod
    def painted(cls, frame: int, image: np.ndarray, mask: np.ndarray) -> Keyframe:
        """From the keyframe's ``(H, W, 3)`` uint8 RGB image and its ``(H, W)`` uint8 0/255 mask."""
        shown = mask >= 128
        return cls(frame, shown.astype(np.float32), float(np.count_nonzero(shown)), ObjectColours.learn(image, shown))


class BackgroundCue:
    """Background differences of a clip's frames, with the neighbour homographies cached.

    frame_of(i): ``(H, W, 3)`` uint8 RGB; flow: the clip's :class:`FlowField` (its neighbour
    flows are reused). Not thread-safe (one per propagation).
    """

    def __init__(self, frame_of: Callable[[int], np.ndarray], flow: FlowField) -> None:
        self.frame_of = frame_of
        self._flow = flow
        self._homographies: dict[tuple[int, int], np.ndarray] = {}
        self._to_keyframe: dict[tuple[int, int], np.ndarray] = {}  # (frame, keyframe): chained
        self._working_frames: LRUCache[tuple[int, tuple[int, int]], np.ndarray] = LRUCache(_WORKING_FRAMES_KEPT)

    @functools.cached_property
    def band_px(self) -> int:
        """How far (pixels of the frame) from the carried mask the frame may add object pixels:
        ``BAND_PX`` pixels of the flow's working grid, as the clip refiner's band. Chosen at 432x240
        and counted in the frame's pixels, it was 4.5 times narrower, relative to the frame, at 1080p
        (training sequences upscaled to 1080p, one keyframe: J&F 53.7 -> 60.0 measured so)."""
        return round(BAND_PX * max(1.0, self._flow.frame_size[0] / self._flow.working_size[0]))

    def reanchor(self, carried: CarriedMatte, mattes: Mapping[int, np.ndarray], direction: int,
                 keyframe: Keyframe | None = None) -> np.ndarray:
        """The matte of ``carried`` re-anchored on its frame: ``(H, W)`` float32 0..1.

        mattes: ``{frame: (H, W) float32 0..1}`` of frames already carried (the keyframe included);
        the neighbours ``frame + direction * offset`` among them are compared. ``direction`` is -1
        when carrying forward in time (neighbours are earlier frames), +1 backward.
        keyframe: the keyframe the matte was carried from (None: unknown; the frame adds pixels as
        freely as where the carry is not trusted, :func:`carry_trust`, whatever their colour).
        """
        frame, matte = carried.frame, carried.matte
        box = grown_mask_box(matte, self.band_px + _BOX_MARGIN_PX)
        if box is None:  # nothing carried: the band is empty, so is the blend
            return np.zeros(matte.shape, np.float32)
        neighbours = [frame + direction * o for o in NEIGHBOUR_OFFSETS]
        difference, known = self.difference(frame, mattes, neighbours, keyframe, box=box)
        local = matte[box]
        apart = self.moving_apart(frame, frame + direction, mattes[frame], box)
        if apart is not None:  # a carried pixel that moves unlike the background is not the background
            difference = np.maximum(difference, np.where(local >= 0.5, apart * CUE_HIGH, 0.0)).astype(np.float32)
        if keyframe is None:
            blended = blend_with_difference(local, difference, known, band_px=self.band_px)
        else:
            trust = carry_trust(local, carried.confidence[box], keyframe.area)
            object_colour = keyframe.colours.likelihood(self.frame_of(frame)[box])
            blended = blend_with_difference(local, difference, known, trust, object_colour,
                                            band_px=self.band_px)
        result = np.zeros(matte.shape, np.float32)
        result[box] = without_stray_pieces(blended)
        return result

    def difference(
        self, frame: int, mattes: Mapping[int, np.ndarray], neighbours: list[int], keyframe: Keyframe | None = None,
        box: Box | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(D, known)``: ``(H, W)`` float32 RGB distance to the background and bool where measured
        (only in ``box`` of the frame when given, and those maps are ``box``'s crops).

        Only the ``neighbours`` whose mattes, and those of every frame between, are in ``mattes``
        are used (each homography fit needs the object's mask to leave it out). The ``keyframe``
        is compared too where it shows background, through the neighbour homographies chained
        back to it (:meth:`_homography_to`): where the carried mask kept a piece of background
        for more than the farthest neighbour's 10 frames, no neighbour shows that background (their
        mattes cover it too) and it stayed for good (dance-jump: the mask stretched over the
        fountain behind the dancer, to 1.8 times her area; issue 15).
        """
        full_height, full_width = mattes[frame].shape
        scale = min(1.0, WORKING_WIDTH / full_width)
        size = (max(1, round(full_width * scale)), max(1, round(full_height * scale)))
        to_working = np.diag([scale, scale, 1.0])
        region = (slice(0, size[1]), slice(0, size[0])) if box is None else scaled_box(
            box, scale, size, _WORKING_BOX_MARGIN_PX)
        from_region = box_origin(region)  # the comparisons are made on the region's pixels only
        image = cv2.GaussianBlur(self._working_frame(frame, size), (3, 3), 0)[region]
        best = np.full(image.shape[:2], np.inf, np.float32)
        carried_object = (resized(mattes[frame], size) >= 0.5)[region]
        for other in neighbours:
            step = 1 if other > frame else -1
            between = range(frame, other + step, step)
            if not 0 <= other < self._flow.frame_count or any(f not in mattes for f in between):
                continue
            homography = np.eye(3)
            for f in range(frame, other, step):
                homography = self._neighbour_homography(f, f + step, mattes[f]) @ homography
            homography = to_working @ homography @ np.linalg.inv(to_working) @ from_region
            distance, shows_background = self._difference_to(image, other, mattes[other], homography, carried_object, size)
            best = np.where(shows_background, np.minimum(best, distance), best)
        if keyframe is not None and keyframe.frame != frame and keyframe.frame not in neighbours:
            homography = self._homography_to(frame, keyframe.frame, mattes)
            if homography is not None:
                homography = to_working @ homography @ np.linalg.inv(to_working) @ from_region
                distance, shows_background = self._difference_to(
                    image, keyframe.frame, keyframe.matte, homography, carried_object, size)
                # only to take out what was carried: many frames apart, water, light and parallax
                # differ, and pixels beside the object that no neighbour measured were added (boat:
                # its reflection crept in, leaking frames 1 -> 31 %)
                shows_background &= carried_object
                best = np.where(shows_background, np.minimum(best, distance), best)
        difference, known = np.zeros(size[::-1], np.float32), np.zeros(size[::-1], bool)
        known[region] = np.isfinite(best)
        difference[region] = np.where(known[region], best, 0.0)
        if scale < 1.0:
            full_size = (full_width, full_height)
            difference = cv2.resize(difference, full_size, interpolation=cv2.INTER_LINEAR)
            known = cv2.resize(known.astype(np.uint8), full_size, interpolation=cv2.INTER_NEAREST) > 0
        return (difference, known) if box is None else (difference[box], known[box])

    def moving_apart(self, frame: int, neighbour: int, matte: np.ndarray, box: Box) -> np.ndarray | None:
        """How much each pixel of ``box`` moves unlike the background from ``frame`` to
        ``neighbour``, 0..1 float32 (None when ``neighbour`` is outside the clip): the flow's
        distance to the background homography's motion, mapped between ``MOTION_LOW_PX`` and
        ``MOTION_HIGH_PX`` working pixels, times how much texture the frame has there
        (``TEXTURE_LOW`` to ``TEXTURE_HIGH``)."""
        if not 0 <= neighbour < self._flow.frame_count:
            return None
        (full_width, full_height), (width, height) = self._flow.frame_size, self._flow.working_size
        to_working = np.diag([width / full_width, height / full_height, 1.0])
        homography = to_working @ self._neighbour_homography(frame, neighbour, matte) @ np.linalg.inv(to_working)
        flow = self._flow.working_flow(frame, neighbour)
        grid = np.stack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)), -1)
        background = cv2.perspectiveTransform(grid.reshape(-1, 1, 2), homography).reshape(height, width, 2)
        residual = np.linalg.norm(grid + flow - background, axis=-1).astype(np.float32)
        apart = np.clip((residual - MOTION_LOW_PX) / (MOTION_HIGH_PX - MOTION_LOW_PX), 0.0, 1.0)
        # where the frame has no texture the flow is only its surroundings' smoothed in
        texture = self._texture(frame, (width, height))
        apart *= np.clip((texture - TEXTURE_LOW) / (TEXTURE_HIGH - TEXTURE_LOW), 0.0, 1.0)
        return resized(apart, (full_width, full_height), cv2.INTER_LINEAR)[box]

    def _texture(self, frame: int, size: tuple[int, int]) -> np.ndarray:
        """Mean grey-level gradient around each pixel of ``frame`` at ``size`` (0..255 a pixel, 5x5).
        Read once per frame, so not kept (the kept frames are the comparison grid's, often another size)."""
        grey = cv2.cvtColor(resized(self.frame_of(frame).astype(np.float32), size), cv2.COLOR_RGB2GRAY)
        gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)) / 8
        return cv2.blur(gradient, (5, 5))

    def _working_frame(self, frame: int, size: tuple[int, int]) -> np.ndarray:
        """Frame ``frame`` at ``size`` (the comparison's grid), float32 RGB; each frame is
        compared with several neighbours, so the last few are kept."""
        return self._working_frames.made(
            (frame, size), lambda: resized(self.frame_of(frame).astype(np.float32), size))

    def _difference_to(
        self, image: np.ndarray, other: int, matte_other: np.ndarray, homography: np.ndarray,
        carried_object: np.ndarray, grid: tuple[int, int],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance of ``image`` (a region of the working grid, float32 RGB, blurred) to frame
        ``other`` warped onto it by ``homography`` (from the region's pixels to the working grid's),
        and bool where ``other`` shows background there. carried_object: bool, the region's size,
        where the carried mask has the object (compared exactly, see :func:`tolerant_distance`);
        grid: the working grid's (width, height)."""
        size = (image.shape[1], image.shape[0])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP  # output(p) = input(H p)
        seen = cv2.warpPerspective(
            self._working_frame(other, grid), homography, size, flags=flags,
            borderMode=cv2.BORDER_CONSTANT, borderValue=(-1.0, -1.0, -1.0),
        )
        object_there = cv2.warpPerspective(
            resized(matte_other, grid), homography, size, flags=flags,
            borderMode=cv2.BORDER_CONSTANT, borderValue=1.0,
        )
        shows_background = (seen[..., 0] >= 0) & (object_there < 0.1)
        shows_background = cv2.erode(shows_background.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        return tolerant_distance(image, cv2.GaussianBlur(seen, (3, 3), 0), carried_object), shows_background

    def _homography_to(self, frame: int, keyframe: int, mattes: Mapping[int, np.ndarray]) -> np.ndarray | None:
        """3x3 homography taking ``frame``'s background pixels to ``keyframe``'s: the neighbour
        homographies of every frame between chained (each fitted once, when its frame was
        carried; None when one of them is missing and its frame's matte is not in ``mattes``)."""
        step = 1 if keyframe > frame else -1
        pending, at = [], frame
        while at != keyframe and (at, keyframe) not in self._to_keyframe:
            if (at, at + step) not in self._homographies and at not in mattes:
                return None
            pending.append(at)
            at += step
        chained = np.eye(3) if at == keyframe else self._to_keyframe[(at, keyframe)]
        for at in reversed(pending):
            chained = chained @ self._neighbour_homography(at, at + step, mattes.get(at))
            self._to_keyframe[(at, keyframe)] = chained
        return chained

    def _neighbour_homography(self, a: int, b: int, matte_a: np.ndarray) -> np.ndarray:
        """3x3 homography taking frame ``a``'s background pixels to frame ``b`` (neighbours)."""
        key = (a, b)
        if key not in self._homographies:
            self._homographies[key] = self._fit_homography(a, b, matte_a >= 0.5)
        return self._homographies[key]

    def _fit_homography(self, a: int, b: int, object_a: np.ndarray) -> np.ndarray:
        """The fit on the flow's working grid, where DIS computed it: on a wider clip the
        full-resolution flow is only that flow upsampled, and fitting it (16 times the points at
        1080p) was a third of rotoscoping's time (profiled, docs/benchmarks.md)."""
        frame_size, working = self._flow.frame_size, self._flow.working_size
        if working == frame_size:
            size = 2 * _EXCLUDE_PX + 1
            excluded = cv2.dilate(object_a.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
            return background_homography(self._flow.flow(a, b), excluded)
        size = 2 * max(1, int(np.ceil(_EXCLUDE_PX * working[0] / frame_size[0]))) + 1
        touches_object = cv2.resize(object_a.astype(np.float32), working, interpolation=cv2.INTER_AREA) > 0
        excluded = cv2.dilate(touches_object.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
        homography = background_homography(self._flow.working_flow(a, b), excluded)
        return working_to_full_resolution(homography, frame_size, working)


def tolerant_distance(image: np.ndarray, seen: np.ndarray, exact: np.ndarray | None = None) -> np.ndarray:
    """RGB distance of each pixel of ``image`` to the closest of ``seen``'s pixels within
    ``ALIGN_TOLERANCE_PX``: ``(H, W)`` float32; both ``(H, W, 3)`` float32. Where ``exact``
    (``(H, W)`` bool) is set, the distance to ``seen``'s own pixel instead.

    A homography fitted to flow is off by a pixel here and there (a shaky camera, noise): on a
    brick wall or any sharp texture the plain difference of a mortar line and the brick beside it
    is as large as an object's, and those pixels would join the mask and grow frame after frame.
    The tolerance is for pixels the frame would *add* to the mask; a pixel the flow carried as
    object (``exact``) leaves it only when it matches the background where it stands. Tolerant
    there too, a thin or low-contrast object (a bike behind trees) matched some neighbouring
    background pixel each frame, shrank and vanished for good after the last keyframe (bmx-trees,
    every 20: J&F 71 -> 51).
    """
    radius = ALIGN_TOLERANCE_PX
    height, width = image.shape[:2]
    padded = cv2.copyMakeBorder(seen, radius, radius, radius, radius, cv2.BORDER_REPLICATE)
    best = np.full((height, width), np.inf, np.float32)
    channel_sum = np.ones((1, 3), np.float32)
    for dy in range(2 * radius + 1):
        for dx in range(2 * radius + 1):  # OpenCV: a quarter of NumPy's CPU (einsum), same distances
            difference = cv2.subtract(image, padded[dy : dy + height, dx : dx + width])
            squared = cv2.transform(cv2.multiply(difference, difference), channel_sum)
            if exact is not None and dy == dx == radius:
                centre = squared
            cv2.min(best, squared, dst=best)
    if exact is not None:
        best = np.where(exact, centre, best)
    return np.sqrt(best, out=best)  # squared distances compared, one square root at the end


def blend_with_difference(matte: np.ndarray, difference: np.ndarray, known: np.ndarray,
                          trust: np.ndarray | None = None, object_colour: np.ndarray | None = None, *,
                          band_px: int = BAND_PX) -> np.ndarray:
    """The carried ``matte`` blended with the background difference: ``(H, W)`` float32 0..1.

    matte: ``(H, W)`` float32 0..1; difference: RGB distance; known: where it was measured;
    trust: how far the carried matte's "not object" is still believed, 0..1 (:func:`carry_trust`),
    or None (0 everywhere); object_colour: how much each pixel's colour is the keyframe's object
    rather than its surround, 0..1 (:meth:`ObjectColours.likelihood`), or None (not asked).
    band_px: how far from the carried mask (pixels) the frame may add object pixels.

    A pixel the flow did not carry as object must differ more to join where the carried matte is
    still trusted (:func:`adding_difference`): the keyframe said it was not object, and what
    differs there and moves with the object is often its reflection or its shadow (boat: the
    hull's reflection crept in a pixel a frame and 77 % of the frames leaked, from one keyframe).

    A pixel the flow carried whose neighbourhood (5x5) has the keyframe surround's colours
    (``object_colour`` under ``COLOUR_VETO``) leaves the mask, measured or not: rippling water
    once carried went on differing from every neighbour and stayed, and grew (mallard-water, 12
    times the duck's area), and background the mask stretched over was never measured again.
    """
    differs = np.clip((difference - CUE_LOW) / (CUE_HIGH - CUE_LOW), 0.0, 1.0)
    if trust is not None:
        differs = np.where(matte >= 0.5, differs, adding_difference(difference, trust))
    differs = np.where(known, differs, matte)
    if object_colour is not None:
        looks_background = cv2.blur(object_colour, (5, 5)) < COLOUR_VETO
        differs = np.where(looks_background & (matte >= 0.5), 0.0, differs)
    size = 2 * band_px + 1
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    band = cv2.dilate((matte >= 0.5).astype(np.uint8), disk) > 0
    blended = np.where(band, PRIOR_WEIGHT * matte + (1.0 - PRIOR_WEIGHT) * differs, 0.0).astype(np.float32)
    # the frame may add the pixels the flow missed, but only next to the object. Next to its soft
    # edge, not just its mask: a small object broken up by an occluder (a rider between tree
    # trunks) reappears in pieces that touch only the carried matte's blur, and clearing them
    # starved the mask to nothing within a few frames (bmx-trees)
    return without_detached_pieces(blended, matte, anchor_at=CARRIED_SUPPORT)


def carry_trust(matte: np.ndarray, confidence: np.ndarray, keyframe_area: float) -> np.ndarray:
    """How far a carried matte's "not object" is believed, ``(H, W)`` float32 0..1: the square
    root of the carried ``confidence`` (flow trust since the keyframe) times ``(area / keyframe
    area) ** 2``, at most 1, the area being the carried mask's. While the carried object is
    smaller than on its keyframe (hidden behind trees, lost on the way) the frame must be free to
    add it back: with the confidence alone, the rider of bmx-trees was lost for good after frame
    68 (keyframes every 20 frames, J&F 67.5 -> 53.5).
    """
    if keyframe_area <= 0:
        return np.zeros(matte.shape, np.float32)
    share = min(1.0, np.count_nonzero(matte >= 0.5) / keyframe_area) ** 2
    return (np.sqrt(np.clip(confidence, 0.0, 1.0)) * np.float32(share)).astype(np.float32)


def adding_difference(difference: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """How much a pixel the flow did not carry differs from the background, 0..1, ``(H, W)``
    float32: the RGB distance mapped between ``CUE_LOW`` and ``CUE_HIGH`` each raised by up to
    ``ADD_LOW_RAISE`` and ``ADD_HIGH_RAISE`` with ``trust`` (:func:`carry_trust`; at 0 the plain
    mapping: where the flow lost the object the frame decides).
    """
    low = CUE_LOW + ADD_LOW_RAISE * trust
    high = CUE_HIGH + ADD_HIGH_RAISE * trust
    return np.clip((difference - low) / (high - low), 0.0, 1.0).astype(np.float32)


def without_stray_pieces(matte: np.ndarray) -> np.ndarray:
    """``matte`` (``(H, W)`` float32 0..1) with pieces of its mask that stray from the object cleared.

    A piece (4-connected) is kept when it is within ``NEAR_PX`` of the largest piece or has at
    least ``NEAR_AREA`` of its area: bits of an occluder or of the ground that the flow dragged
    along would otherwise be fed by the background difference and grow frame after frame.
    """
    mask = (matte >= 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count <= 2:
        return matte
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(areas))
    size = 2 * NEAR_PX + 1
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    near = cv2.dilate((labels == largest).astype(np.uint8), disk)
    touching = np.unique(labels[(near > 0) & (mask > 0)])
    keep = np.zeros(count, bool)
    keep[touching] = True
    keep[1:] |= areas >= NEAR_AREA * areas.max()
    keep[0] = True
    cleared = ~keep[labels]
    if not cleared.any():
        return matte
    result = matte.copy()
    result[cleared] = 0.0
    return result
