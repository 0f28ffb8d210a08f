"""Wrong-on-purpose mattes for teaching the clip refiner (:mod:`core.roto.clip_refiner`).

The refiner learns, on the keyframes the user painted, to turn an *imperfect* matte of a frame
back into the true mask. Its training inputs are the keyframe's true mask damaged the way carried
mattes are damaged (MaskTrack, Perazzi et al. 2017, trains on deformed masks the same way):

- :func:`deformed_prior`: a small affine move, a smooth elastic warp, an outline grown or shrunk
  by a few pixels, sometimes a blob added or cut away, then a blur (carried mattes are soft).
- :func:`round_trip_prior`: the mask carried ``d`` frames away along the clip's own flow and back
  (:func:`core.roto.carry.carry_one_frame`): exactly the drift the propagation makes on this clip,
  on a frame whose true mask is known.
- :func:`carried_prior`: a mask carried from its frame to another one, whose true mask is the
  target (the refiner's pretraining on clips with a true mask on every frame,
  :mod:`core.roto.clip_refiner_pretraining`).
"""

from __future__ import annotations

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


def deformed_prior(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``mask`` (``(H, W)`` float32 0..1) damaged at random; returns float32 0..1, same size."""
    height, width = mask.shape
    ys, xs = np.nonzero(mask >= 0.5)
    centre = (float(xs.mean()), float(ys.mean())) if len(ys) else (width / 2, height / 2)
    affine = cv2.getRotationMatrix2D(centre, rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG),
                                     1.0 + rng.uniform(-MAX_SCALE_CHANGE, MAX_SCALE_CHANGE))
    affine[:, 2] += rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, 2)
    prior = cv2.warpAffine(mask, affine, (width, height), flags=cv2.INTER_LINEAR)

    controls = rng.normal(0.0, 1.0, (2, 6, 10)).astype(np.float32) * rng.uniform(0.0, MAX_ELASTIC_PX)
    dx = cv2.resize(controls[0], (width, height), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(controls[1], (width, height), interpolation=cv2.INTER_CUBIC)
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    prior = cv2.remap(prior, grid_x + dx, grid_y + dy, cv2.INTER_LINEAR)

    grow = int(rng.integers(-MAX_GROW_PX, MAX_GROW_PX + 1))
    if grow:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(grow) + 1,) * 2)
        prior = (cv2.dilate if grow > 0 else cv2.erode)(prior, disk)
    if len(ys) and rng.random() < BLOB_CHANCE:  # a part lost, or background picked up
        i = int(rng.integers(len(ys)))
        cv2.circle(prior, (int(xs[i]), int(ys[i])), int(rng.integers(4, 12)), float(rng.random() < 0.5), -1)
    sigma = rng.uniform(0.0, MAX_BLUR_SIGMA)
    if sigma > 0.3:
        prior = cv2.GaussianBlur(prior, (0, 0), sigma)
    return np.clip(prior, 0.0, 1.0).astype(np.float32)


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
