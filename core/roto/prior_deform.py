"""Wrong-on-purpose mattes for teaching the clip refiner (:mod:`core.roto.clip_refiner`).

The refiner learns, on the keyframes the user painted, to turn an *imperfect* matte of a frame
back into the true mask. Its training inputs are the keyframe's true mask damaged the way carried
mattes are damaged (MaskTrack, Perazzi et al. 2017, trains on deformed masks the same way):

- :func:`deformed_prior`: a small affine move, a smooth elastic warp, an outline grown or shrunk
  by a few pixels, sometimes a blob added or cut away, then a blur (carried mattes are soft);
  drawn by :func:`random_deformation`, which the refiner's batches apply to their crops only.
- :func:`round_trip_prior`: the mask carried ``d`` frames away along the clip's own flow and back
  (:func:`core.roto.carry.carry_one_frame`): exactly the drift the propagation makes on this clip,
  on a frame whose true mask is known.
- :func:`carried_prior`: a mask carried from its frame to another one, whose true mask is the
  target (the refiner's pretraining on clips with a true mask on every frame,
  :mod:`core.roto.clip_refiner_pretraining`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from core.flow import FlowField
from core.roto.carry import CarriedMatte, carry_one_frame

MAX_ROTATION_DEG = 6.0
MAX_SCALE_CHANGE = 0.06
MAX_SHIFT_PX = 5.0
MAX_ELASTIC_PX = 3.0  # standard deviation of the smooth displacement's control points
MAX_GROW_PX = 3  # the outline moves out or in by up to this many pixels
BLOB_CHANCE = 0.3
MAX_BLUR_SIGMA = 2.0


Window = tuple[slice, slice]
_DEFORMATION_REACH_PX = 32  # how far a pixel of the deformed prior can look: the elastic warp, the grow, the blur


@dataclass(frozen=True)
class Deformation:
    """One random damage of a mask (:func:`random_deformation`), applied by :meth:`applied`."""

    affine: np.ndarray  # 2x3, frame pixels
    controls: np.ndarray  # (2, 6, 10) float32: the elastic displacement's control points, pixels
    grow: int  # pixels the outline moves out (>0) or in (<0)
    blob: tuple[int, int, int, float] | None  # (x, y, radius, value) of a disc set to 0 or 1
    sigma: float  # of the final blur (none under 0.3)

    def applied(self, mask: np.ndarray, window: Window | None = None) -> np.ndarray:
        """``mask`` (``(H, W)`` float32 0..1) damaged: float32 0..1, the whole frame, or only the
        ``window`` of it (computed on that window and the deformation's reach around it: the
        crops the refiner learns from cost a fraction of their frame)."""
        height, width = mask.shape
        if window is None:
            window = (slice(0, height), slice(0, width))
        reach = _DEFORMATION_REACH_PX
        y0, y1 = max(0, window[0].start - reach), min(height, window[0].stop + reach)
        x0, x1 = max(0, window[1].start - reach), min(width, window[1].stop + reach)
        affine = self.affine.copy()
        affine[:, 2] -= (x0, y0)  # the region's pixels in place of the frame's
        prior = cv2.warpAffine(mask, affine, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)

        rows, columns = _cubic_weights(self.controls.shape[1], height), _cubic_weights(self.controls.shape[2], width)
        rows, columns = rows[y0:y1], columns[x0:x1]  # the elastic field on the region only
        dx, dy = (rows @ control @ columns.T for control in self.controls)
        grid_x, grid_y = np.meshgrid(np.arange(x1 - x0, dtype=np.float32), np.arange(y1 - y0, dtype=np.float32))
        prior = cv2.remap(prior, grid_x + dx, grid_y + dy, cv2.INTER_LINEAR)

        if self.grow:
            disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(self.grow) + 1,) * 2)
            prior = (cv2.dilate if self.grow > 0 else cv2.erode)(prior, disk)
        if self.blob is not None:  # a part lost, or background picked up
            x, y, radius, value = self.blob
            cv2.circle(prior, (x - x0, y - y0), radius, value, -1)
        if self.sigma > 0.3:
            prior = cv2.GaussianBlur(prior, (0, 0), self.sigma)
        prior = prior[window[0].start - y0 : window[0].stop - y0, window[1].start - x0 : window[1].stop - x0]
        return np.clip(prior, 0.0, 1.0).astype(np.float32)


def random_deformation(mask: np.ndarray, rng: np.random.Generator) -> Deformation:
    """A random :class:`Deformation` of ``mask`` (``(H, W)`` float32 0..1): a small affine move
    about the object's centre, a smooth elastic warp, an outline grown or shrunk, sometimes a blob
    added or cut away at a point of the object, then a blur."""
    height, width = mask.shape
    shown = (mask >= 0.5).astype(np.uint8)
    moments = cv2.moments(shown, binaryImage=True)
    area = int(round(moments["m00"]))
    centre = (moments["m10"] / area, moments["m01"] / area) if area else (width / 2, height / 2)
    affine = cv2.getRotationMatrix2D(centre, rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG),
                                     1.0 + rng.uniform(-MAX_SCALE_CHANGE, MAX_SCALE_CHANGE))
    affine[:, 2] += rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, 2)
    controls = rng.normal(0.0, 1.0, (2, 6, 10)).astype(np.float32) * rng.uniform(0.0, MAX_ELASTIC_PX)
    grow = int(rng.integers(-MAX_GROW_PX, MAX_GROW_PX + 1))
    blob = None
    if area and rng.random() < BLOB_CHANCE:
        y, x = divmod(int(np.flatnonzero(shown)[int(rng.integers(area))]), width)
        blob = (x, y, int(rng.integers(4, 12)), float(rng.random() < 0.5))
    return Deformation(affine, controls, grow, blob, float(rng.uniform(0.0, MAX_BLUR_SIGMA)))


@functools.lru_cache(maxsize=16)
def _cubic_weights(controls: int, pixels: int) -> np.ndarray:
    """``(pixels, controls)`` float32: the weights with which ``cv2.resize`` (bicubic) spreads
    ``controls`` points over ``pixels``; a resize is separable, so a field is ``rows @ C @ columns.T``
    and any region of it costs only its own pixels."""
    return np.ascontiguousarray(cv2.resize(np.eye(controls, dtype=np.float32), (controls, pixels),
                                           interpolation=cv2.INTER_CUBIC))


def deformed_prior(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``mask`` (``(H, W)`` float32 0..1) damaged at random; returns float32 0..1, same size."""
    return random_deformation(mask, rng).applied(mask)


def round_trip_prior(mask: np.ndarray, frame: int, distance: int, flow: FlowField) -> np.ndarray | None:
    """``mask`` of ``frame`` carried ``distance`` frames (negative: backward) and back again.

    mask: ``(H, W)`` float32 0..1. Returns float32 0..1, or None when ``frame + distance`` is
    outside the clip.
    """
    far = frame + distance
    if distance == 0 or not 0 <= far < flow.frame_count:
        return None
    step = 1 if distance > 0 else -1
    carried = CarriedMatte(frame, mask.astype(np.float32), np.ones_like(mask, dtype=np.float32))
    for f in list(range(frame + step, far + step, step)) + list(range(far - step, frame - step, -step)):
        carried = carry_one_frame(carried, f, flow)
    return carried.matte


def carried_prior(mask: np.ndarray, frame: int, target: int, flow: FlowField) -> np.ndarray | None:
    """``mask`` of ``frame`` carried frame by frame to ``target`` along the clip's flow.

    mask: ``(H, W)`` float32 0..1. Returns float32 0..1, or None when ``target`` is ``frame`` or
    outside the clip.
    """
    if target == frame or not 0 <= target < flow.frame_count:
        return None
    step = 1 if target > frame else -1
    carried = CarriedMatte(frame, mask.astype(np.float32), np.ones_like(mask, dtype=np.float32))
    for f in range(frame + step, target + step, step):
        carried = carry_one_frame(carried, f, flow)
    return carried.matte
