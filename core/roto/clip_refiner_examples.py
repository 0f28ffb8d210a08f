"""What the clip refiner (:mod:`core.roto.clip_refiner`) learns from: the keyframes as examples on
the working grid, and batches of crops around their outlines with damaged priors.

An example is a frame and its true mask; a batch pairs a crop of it with a prior made wrong on
purpose (:mod:`core.roto.prior_deform`: random deformations, or the mask carried a few frames
along the clip's flow and back), mirrored, with exposure jitter. The loss counts the band around
the outlines fully (:data:`BAND_PX`), the rest a tenth, and nothing where an example is unsure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import cv2
import numpy as np
import torch

from core.flow import FlowField
from core.roto.clip_refiner_net import rgb_tensor
from core.roto.prior_deform import random_deformation, round_trip_prior

BATCH = 16
CROP_PX = 96
BAND_PX = 12.0  # the refiner corrects fully up to this far from the prior's outline (working pixels)
ROUND_TRIP_FRAMES = (-4, -2, 2, 4)

FrameGetter = Callable[[int], np.ndarray]


@dataclass
class Example:
    rgb: np.ndarray  # (h, w, 3) float32 0..1, working size
    truth: np.ndarray  # (h, w) float32 0/1
    round_trips: list[np.ndarray]  # priors carried away and back, float32 0..1
    outline: tuple[np.ndarray, np.ndarray]  # (ys, xs) of the true outline, where crops centre
    unsure: np.ndarray | None = None  # bool: pixels of an answer of its own that teach nothing


def keyframe_examples(frame_of: FrameGetter, masks: Mapping[int, np.ndarray], flow: FlowField,
                      working: tuple[int, int]) -> list[Example]:
    """One example per keyframe ``{frame: (H, W) mask}``, at the ``working`` (width, height)."""
    examples = []
    for frame, mask in sorted(masks.items()):
        full = (mask > 0).astype(np.float32)
        trips = [round_trip_prior(full, frame, d, flow) for d in ROUND_TRIP_FRAMES]
        truth = (to_working(full, working) >= 0.5).astype(np.float32)
        examples.append(Example(
            to_working(frame_of(frame), working).astype(np.float32) / 255, truth,
            [to_working(t, working) for t in trips if t is not None], np.nonzero(outline(truth))))
    return examples


def answer_example(image: np.ndarray, answer: np.ndarray, working: tuple[int, int],
                   unsure_margin: float) -> Example | None:
    """The refiner's own ``answer`` (working size, 0..1) for ``image`` as an example: its mask the
    truth, pixels within ``unsure_margin`` of 0.5 left out; None when it shows no object."""
    truth = (answer >= 0.5).astype(np.float32)
    if not truth.any():
        return None
    unsure = np.abs(answer - 0.5) < unsure_margin  # not learned from either way
    return Example(to_working(image, working).astype(np.float32) / 255, truth, [], np.nonzero(outline(truth)), unsure)


def batch(examples: list[Example], rng: np.random.Generator):
    """``(rgb, prior, truth, weight)`` tensors of :data:`BATCH` crops drawn from ``examples``."""
    rgbs, priors, truths, weights = [], [], [], []
    for _ in range(BATCH):
        example = examples[int(rng.integers(len(examples)))]
        deformation = None
        if example.round_trips and rng.random() < 0.5:
            prior = example.round_trips[int(rng.integers(len(example.round_trips)))]
            if rng.random() < 0.5:  # carried drift plus a random deformation on top
                deformation = random_deformation(prior, rng)
        else:
            prior = example.truth
            deformation = random_deformation(prior, rng)
        window = _crop_window(example.truth.shape, example.outline, rng)
        prior = prior[window] if deformation is None else deformation.applied(prior, window)
        rgb, truth = example.rgb[window], example.truth[window]
        if rng.random() < 0.5:  # exposure jitter: keyframes and frames are not lit the same
            rgb = np.clip(rgb * rng.uniform(0.85, 1.15) + rng.uniform(-0.05, 0.05), 0.0, 1.0)
        weight = np.where(outline_distance(prior, truth) <= BAND_PX, 1.0, 0.1).astype(np.float32)
        if example.unsure is not None:
            weight[example.unsure[window]] = 0.0
        if rng.random() < 0.5:
            rgb, prior, truth, weight = rgb[:, ::-1], prior[:, ::-1], truth[:, ::-1], weight[:, ::-1]
        rgbs.append(rgb)
        priors.append(prior[None])
        truths.append(truth[None])
        weights.append(weight[None])
    return (rgb_tensor(np.stack(rgbs)), torch.from_numpy(np.ascontiguousarray(np.stack(priors))),
            torch.from_numpy(np.ascontiguousarray(np.stack(truths))),
            torch.from_numpy(np.ascontiguousarray(np.stack(weights))))


def _crop_window(shape: tuple[int, int], outline: tuple[np.ndarray, np.ndarray],
                 rng: np.random.Generator) -> tuple[slice, slice]:
    """A CROP_PX square, mostly around a point of the true outline (the whole frame if smaller)."""
    height, width = shape
    size_y, size_x = min(CROP_PX, height), min(CROP_PX, width)
    ys, xs = outline
    if len(ys) and rng.random() < 0.9:
        i = int(rng.integers(len(ys)))
        cy, cx = ys[i] + rng.integers(-20, 21), xs[i] + rng.integers(-20, 21)
    else:
        cy, cx = rng.integers(0, height), rng.integers(0, width)
    y0 = int(np.clip(cy - size_y // 2, 0, height - size_y))
    x0 = int(np.clip(cx - size_x // 2, 0, width - size_x))
    return slice(y0, y0 + size_y), slice(x0, x0 + size_x)


def outline(matte: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: the pixels on the outline of ``matte >= 0.5``."""
    inside = (matte >= 0.5).astype(np.uint8)
    return cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0


def outline_distance(*mattes: np.ndarray) -> np.ndarray:
    """Pixels to the nearest outline of any of ``mattes`` (float32)."""
    distances = [cv2.distanceTransform((~outline(m)).astype(np.uint8), cv2.DIST_L2, 3) for m in mattes]
    return np.minimum.reduce(distances)


def to_working(image: np.ndarray, working: tuple[int, int]) -> np.ndarray:
    """``image`` resized to ``working`` (width, height); uint8 stays uint8, the rest is float32."""
    if (image.shape[1], image.shape[0]) == working:
        return image.astype(np.float32) if image.dtype != np.uint8 else image
    interpolation = cv2.INTER_AREA if image.shape[1] > working[0] else cv2.INTER_LINEAR
    resized = cv2.resize(image, working, interpolation=interpolation)
    return resized.astype(np.float32) if image.dtype != np.uint8 else resized
