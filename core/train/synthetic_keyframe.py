"""Synthetic keyframes: the target itself, moved by a random affine transform and deformation.

The paper evaluates (and trains) guided inpainting on single images by "generating keyframes for
each example by applying random transformations, deformations, and masks". Because we made the
motion, its flow is known exactly: no flow estimator is involved, and consistency is 1 wherever
the target pixel lands on a keyframe pixel that came from inside the target.

We draw the keyframe -> target map ``g`` (a backward warp, so the keyframe has no holes from
splatting) and invert it numerically for the target -> keyframe flow the network takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.flow import lands_inside, warp

INVERSION_STEPS = 8  # fixed-point iterations inverting g; the deformation is smooth, so few suffice
ROUND_TRIP_TOLERANCE = 0.5  # pixels: a target pixel whose inversion is worse is marked invalid


@dataclass
class SyntheticKeyframe:
    """``image`` ``(H, W, 3)`` uint8; ``unknown`` ``(H, W)`` bool, keyframe pixels that came from
    outside the target; ``flow`` ``(H, W, 2)`` float32 target -> keyframe in pixels;
    ``consistency`` ``(H, W)`` float32, 1 where ``flow`` is exact, else 0."""

    image: np.ndarray
    unknown: np.ndarray
    flow: np.ndarray
    consistency: np.ndarray


def synthetic_keyframe(image: np.ndarray, rng: np.random.Generator,
                       unknown: np.ndarray | None = None) -> SyntheticKeyframe:
    """A keyframe made from ``image`` (``(H, W, 3)`` uint8): rotation up to 12 degrees, scale
    0.85..1.18, shear up to 0.08, shift up to 12 % of each side, a smooth deformation of up to
    3 % of the frame, and half the time a small change of exposure. ``unknown`` (``(H, W)``
    bool) marks image pixels without truth; they stay unknown in the keyframe."""
    h, w = image.shape[:2]
    affine = _random_affine(rng, h, w)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    deformation = _smooth_field(rng, h, w, amplitude=rng.uniform(0, 0.03) * min(h, w))
    # g: keyframe pixel q shows target pixel affine(q) + deformation(q)
    sx = affine[0, 0] * xs + affine[0, 1] * ys + affine[0, 2] + deformation[..., 0]
    sy = affine[1, 0] * xs + affine[1, 1] * ys + affine[1, 2] + deformation[..., 1]
    g = np.stack([sx - xs, sy - ys], axis=-1).astype(np.float32)

    keyframe = warp(image, g, interpolation="linear")
    key_unknown = ~lands_inside(g, (w, h))
    if unknown is not None and unknown.any():
        key_unknown |= warp(unknown.astype(np.uint8), g, interpolation="nearest") > 0
    keyframe[key_unknown] = 0
    if rng.random() < 0.5:
        gain, bias = rng.uniform(0.9, 1.1), rng.uniform(-8, 8)
        keyframe = np.clip(keyframe.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)

    flow = _invert(g, affine, xs, ys)
    back = warp(g, flow, interpolation="linear")  # g at p + flow(p): should bring p home
    error = np.linalg.norm(flow + back, axis=-1)
    landed_known = warp(key_unknown.astype(np.uint8), flow, interpolation="nearest",
                        fill_value=1) == 0
    valid = (error < ROUND_TRIP_TOLERANCE) & lands_inside(flow, (w, h)) & landed_known
    return SyntheticKeyframe(keyframe, key_unknown, flow, valid.astype(np.float32))


def _random_affine(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """``2x3`` keyframe -> target map about the frame centre."""
    angle = np.deg2rad(rng.uniform(-12, 12))
    scale = np.exp(rng.uniform(np.log(0.85), np.log(1.18)))
    shear = rng.uniform(-0.08, 0.08)
    linear = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    linear = linear @ np.array([[1.0, shear], [0.0, 1.0]])
    centre = np.array([(w - 1) / 2, (h - 1) / 2])
    shift = rng.uniform(-0.12, 0.12, size=2) * np.array([w, h])
    offset = centre + shift - linear @ centre
    return np.hstack([linear, offset[:, None]]).astype(np.float64)


def _smooth_field(rng: np.random.Generator, h: int, w: int, amplitude: float) -> np.ndarray:
    """``(H, W, 2)`` float32 displacement: random values on a 4x4 grid, upsampled (cubic)."""
    coarse = rng.normal(0, 1, size=(4, 4, 2)).astype(np.float32) * amplitude / 2
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def _invert(g: np.ndarray, affine: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Target -> keyframe flow ``f`` with ``f(p) = -g(p + f(p))``, started from the affine's
    exact inverse. ``g`` is read with replicated borders so that iterates leaving the frame
    still move toward the answer."""
    inverse = cv2.invertAffineTransform(affine)
    qx = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    qy = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    flow = np.stack([qx - xs, qy - ys], axis=-1).astype(np.float32)
    for _ in range(INVERSION_STEPS):
        map_x, map_y = xs + flow[..., 0], ys + flow[..., 1]
        at = cv2.remap(g, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        flow = -at
    return flow
