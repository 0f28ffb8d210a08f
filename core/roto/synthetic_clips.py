"""Synthetic clips with exact masks for training the rotoscoping network.

Real clips with a mask on every frame are rare (two DAVIS clips here, one held out), and a
network trained on one clip learns that clip's object. So the trainer also composites objects
over real footage: a random smooth shape, often with a thin limb (a racket, a fork, a leg),
textured with a patch cut from another frame, moving over the footage's own camera motion with
a smooth random trajectory, rotation and scale. The mask of every frame is known exactly.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

SIZE = (432, 240)  # (w, h): the working size of the rotoscoping network


def synthetic_roto_clip(footage: Sequence[np.ndarray], texture_frames: Sequence[np.ndarray],
                        rng: np.random.Generator, frame_count: int = 40
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(frames, masks)``: ``frame_count`` RGB frames (``SIZE``) of ``footage`` (consecutive,
    ping-pong when short) with one moving object pasted on, and its 0/1 uint8 masks."""
    background = _background_run(footage, rng, frame_count)
    shape = _object_shape(rng)
    texture = _texture_for(shape.shape, texture_frames, rng)
    h, w = shape.shape
    width, height = SIZE
    position = np.array([rng.uniform(0.2, 0.8) * width, rng.uniform(0.25, 0.75) * height])
    velocity = rng.uniform(-5, 5, 2)
    angle, spin = rng.uniform(0, 360), rng.uniform(-3, 3)
    scale, growth = rng.uniform(0.8, 1.2), rng.uniform(-0.008, 0.008)
    frames, masks = [], []
    for index in range(frame_count):
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        matrix[:, 2] += position - (w / 2, h / 2)
        alpha = cv2.warpAffine(shape, matrix, SIZE, flags=cv2.INTER_LINEAR)
        colour = cv2.warpAffine(texture, matrix, SIZE, flags=cv2.INTER_LINEAR)
        soft = cv2.GaussianBlur(alpha, (3, 3), 0.7)[..., None]
        frame = background[index].astype(np.float32) * (1 - soft) + colour.astype(np.float32) * soft
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
        masks.append((alpha > 0.5).astype(np.uint8))
        velocity = np.clip(velocity + rng.normal(0, 0.6, 2), -7, 7)
        position = np.clip(position + velocity, (0, 0), (width, height))
        angle += spin
        scale = float(np.clip(scale * (1 + growth), 0.5, 1.8))
    return frames, masks


def _background_run(footage: Sequence[np.ndarray], rng: np.random.Generator, count: int) -> list[np.ndarray]:
    order = list(range(len(footage))) + list(range(len(footage) - 2, 0, -1))  # ping-pong
    start = int(rng.integers(len(order)))
    return [_fit(footage[order[(start + i) % len(order)]]) for i in range(count)]


def _object_shape(rng: np.random.Generator) -> np.ndarray:
    """A float32 0/1 mask of a smooth blob (radius 20..55 px), half the time with a thin limb."""
    radius = rng.uniform(20, 55)
    side = int(4 * radius)
    mask = np.zeros((side, side), np.uint8)
    corners = int(rng.integers(7, 14))
    angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
    radii = radius * rng.uniform(0.55, 1.25, corners)
    centre = side / 2
    points = np.stack([centre + radii * np.cos(angles), centre + radii * np.sin(angles)], 1)
    cv2.fillPoly(mask, [points.astype(np.int32)], 1)
    mask = (cv2.GaussianBlur(mask.astype(np.float32), (0, 0), radius / 6) > 0.5).astype(np.uint8)
    if rng.random() < 0.5:
        direction = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(1.0, 1.9) * radius
        end = centre + length * np.array([np.cos(direction), np.sin(direction)])
        cv2.line(mask, (int(centre), int(centre)), (int(end[0]), int(end[1])), 1, int(rng.integers(2, 6)))
    return mask.astype(np.float32)


def _texture_for(shape: tuple[int, int], texture_frames: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    source = _fit(texture_frames[int(rng.integers(len(texture_frames)))])
    h, w = shape
    side = min(source.shape[0], source.shape[1], max(h, w))
    y = int(rng.integers(0, source.shape[0] - side + 1))
    x = int(rng.integers(0, source.shape[1] - side + 1))
    patch = cv2.resize(source[y:y + side, x:x + side], (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:  # a colour the background does not have
        patch = patch[..., rng.permutation(3)]
    return np.ascontiguousarray(patch)


def _fit(frame: np.ndarray) -> np.ndarray:
    """Scale and centre-crop ``frame`` to ``SIZE``."""
    width, height = SIZE
    h, w = frame.shape[:2]
    factor = max(width / w, height / h)
    scaled = cv2.resize(frame, (max(width, round(w * factor)), max(height, round(h * factor))),
                        interpolation=cv2.INTER_AREA)
    y0 = (scaled.shape[0] - height) // 2
    x0 = (scaled.shape[1] - width) // 2
    return scaled[y0:y0 + height, x0:x0 + width]
