"""The clip refiner: a small network that learns this clip's object from the painted keyframes
and pulls every propagated matte onto the object's real outline.

Carrying a matte along optical flow loses precision at every step, even from a perfect mask (one
step on bmx-trees: J&F 75.7; on tennis: 90.5), and almost all of what is lost lies within a few
pixels of the outline (docs/quality.md). Telling object from background there needs the frame's
pixels, and the user's keyframes say exactly what this object looks like in this clip. So, as in
MaskTrack and OSVOS (Perazzi et al. 2017; Caelles et al. 2017), a network is trained *on the clip
itself*, at propagation time, from the keyframes alone:

- input: the frame's RGB and a prior matte; output: corrected mask logits, added to the prior's
  logit (the last layer starts at zero, so an untrained refiner returns the prior);
- training pairs: each keyframe's true mask damaged on purpose (:mod:`core.roto.prior_deform`:
  random deformations, and the mask carried a few frames along the clip's flow and back), with the
  true mask as the target; crops around the outline, mirrored, with exposure jitter;
- self-training (:func:`adapt_clip_refiner`, as OnAVOS does): once the frames being propagated
  have their fused mattes, the refiner's own answers for them join the keyframes as targets for a
  third more steps, so it also learns the object where no keyframe shows it;
- use: each propagated (fused) matte is corrected within :data:`BAND_PX` of its outline.

No checkpoint, nothing downloaded: 38 k weights learned in 20 s to 1.5 minutes on two CPU cores.
After the user adds or corrects a keyframe, the refiner that learned the others is the starting
point and a third of the steps suffice (on bmx-trees and tennis, keyframes every 20 frames, as good
as training from scratch or better: docs/quality.md).
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Mapping

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from core.model.device import native_cpu_bfloat16
from core.flow import FlowField
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto.mask_pieces import without_detached_pieces
from core.roto.matte_model import PRIOR_CLAMP, prior_logit, working_frame_size  # 432 px wide at most
from core.roto.options import DEFAULT_STEPS, refine_steps
from core.roto.prior_deform import deformed_prior, round_trip_prior

BATCH = 16
CROP_PX = 96
LEARNING_RATE = 2e-3
CHANNELS = 32
BAND_PX = 12.0  # corrected fully up to this far from the prior's outline (working pixels)
BAND_FADE_PX = 4.0  # then fading to the prior over this many pixels
ROUND_TRIP_FRAMES = (-4, -2, 2, 4)
WARM_START_DIVISOR = 3  # starting from a refiner that knows some of the keyframes: steps // 3
ADAPT_FRAMES = 64  # propagated frames whose answers the refiner also learns from, at most
UNSURE_MARGIN = 0.25  # its own answers within this of 0.5 are left out of the self-training

FrameGetter = Callable[[int], np.ndarray]

_CACHE_SIZE = 8  # refiners kept (each object's and its self-trained one): re-propagating unchanged
# keyframes (another object, undo) is free
_cache: OrderedDict[int, ClipRefiner] = OrderedDict()
_cache_lock = threading.Lock()


class ClipRefinerNet(nn.Module):
    """RGB ``(N, 3, H, W)`` 0..1 and prior ``(N, 1, H, W)`` 0..1 → mask logits ``(N, 1, H, W)``.

    Five 3x3 convolutions (dilations 1, 2, 4, 8, 1: a 33 px field of view) and a 1x1 head.
    """

    def __init__(self, channels: int = CHANNELS):
        super().__init__()
        layers: list[nn.Module] = []
        inputs = 4
        for dilation in (1, 2, 4, 8, 1):
            layers += [nn.Conv2d(inputs, channels, 3, padding=dilation, dilation=dilation), nn.ReLU()]
            inputs = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(channels, 1, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, rgb: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        prior = prior.clamp(PRIOR_CLAMP, 1 - PRIOR_CLAMP)
        features = self.body(torch.cat([rgb - 0.5, prior * 2 - 1], dim=1))
        return torch.log(prior / (1 - prior)) + self.head(features)


@dataclass
class ClipRefiner:
    """A refiner trained on one clip's keyframes (:func:`train_clip_refiner`)."""

    net: ClipRefinerNet
    frame_size: tuple[int, int]  # (width, height) of the clip
    working_size: tuple[int, int]  # (width, height) the network runs at
    keyframes: frozenset[tuple[int, int]] = frozenset()  # (frame, digest of its pixels and mask) learned from
    steps: int = DEFAULT_STEPS  # asked for its training (a warm start trains fewer)

    def refine(self, frame: np.ndarray, matte: np.ndarray) -> np.ndarray:
        """``matte`` (``(H, W)`` float32 0..1) corrected near its outline on ``frame`` (RGB uint8)."""
        rgb, prior = _to_working(frame, self.working_size), _to_working(matte, self.working_size)
        with torch.no_grad():
            logits = self.net(_rgb_tensor(rgb[None]), torch.from_numpy(prior[None, None]))[0, 0].numpy()
        correction = logits - prior_logit(prior)
        if self.working_size != self.frame_size:
            correction = cv2.resize(correction, self.frame_size, interpolation=cv2.INTER_LINEAR)
        correction *= _band(matte, scale=self.frame_size[0] / self.working_size[0])
        # the change the correction makes to the clamped prior, added to the prior itself: where
        # there is no correction the matte comes back exactly as it was
        full = matte.astype(np.float32)
        change = _sigmoid(prior_logit(full) + correction) - np.clip(full, PRIOR_CLAMP, 1 - PRIOR_CLAMP)
        return np.clip(full + change, 0.0, 1.0).astype(np.float32)


def train_clip_refiner(
    frame_getter: FrameGetter,
    keyframe_masks: Mapping[int, np.ndarray],
    flow: FlowField,
    *,
    steps: int | None = None,
    seed: int = 0,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ClipRefiner | None:
    """Train a refiner on the keyframes ``{frame: (H, W) uint8 0/255 mask}`` of one object.

    Returns None when there is nothing to learn from (no keyframe shows the object, or ``steps``
    is 0). Deterministic for a given ``seed`` and history (the refiners kept, see below); leaves
    torch's global random state as it was. The last few
    refiners are kept, keyed by the keyframes' pixels and masks; when one of them learned from some
    of the same keyframes (the user added or corrected a keyframe and propagates again), training
    starts from its weights and takes a third of the steps (:data:`WARM_START_DIVISOR`). Raises
    Cancelled (between steps) when ``cancel`` is set.
    """
    steps = refine_steps(steps)
    shown = {k: m for k, m in keyframe_masks.items() if m.any()}
    if steps == 0 or not shown:
        return None
    keyframes = frozenset((frame, _keyframe_digest(frame_getter(frame), mask)) for frame, mask in shown.items())
    key = zlib.crc32(repr((sorted(keyframes), steps, seed, CHANNELS, BAND_PX)).encode())
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        start = next((r for r in reversed(_cache.values()) if r.keyframes & keyframes), None)
    trained = steps if start is None else max(1, steps // WARM_START_DIVISOR)
    width, height = flow.frame_size
    working = working_frame_size(width, height)
    examples = _examples(frame_getter, shown, flow, working)
    refiner = _train(examples, (width, height), working, trained, seed, start, keyframes,
                     "Learning the object's outline from the keyframes", progress, cancel)
    refiner.steps = steps
    _keep(key, refiner)
    return refiner


def adapt_clip_refiner(
    refiner: ClipRefiner,
    frame_getter: FrameGetter,
    keyframe_masks: Mapping[int, np.ndarray],
    mattes: Mapping[int, np.ndarray],
    flow: FlowField,
    *,
    seed: int = 0,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> ClipRefiner:
    """``refiner`` fine-tuned on its own answers for the propagated frames (self-training).

    mattes: ``{frame: (H, W) fused matte}`` (uint8 0..255 or float32 0..1) of the frames being
    propagated. The refiner's masks for up to :data:`ADAPT_FRAMES` of them (evenly spread) join the
    keyframes as training targets, half of each batch, for a third of the refiner's steps, starting
    from its weights (only where it was sure: pieces it added apart from the fused mask and pixels
    within :data:`UNSURE_MARGIN` of 0.5 teach nothing, or it would learn its own leaks onto the
    background and grow them): the object and its background as they look away from the keyframes (the
    rider behind the tree), which the keyframes alone never show. On bmx-trees (two seeds) +0.5 and
    +1.8 J&F with keyframes every 20 frames, +2.4 and +4.4 from one keyframe (docs/quality.md).
    Deterministic and kept like :func:`train_clip_refiner`'s refiners (keyed by the keyframes and
    the mattes); Cancelled between steps.
    """
    shown = {k: m for k, m in keyframe_masks.items() if m.any()}
    chosen = sorted(mattes)
    if len(chosen) > ADAPT_FRAMES:
        chosen = [chosen[i] for i in np.linspace(0, len(chosen) - 1, ADAPT_FRAMES).round().astype(int)]
    digest = zlib.crc32(repr(("adapted", sorted(refiner.keyframes), chosen, refiner.steps, seed)).encode())
    for frame in chosen:
        digest = zlib.crc32(np.ascontiguousarray(mattes[frame]), digest)
    for weights in refiner.net.state_dict().values():  # this refiner, not another of the same keyframes
        digest = zlib.crc32(weights.float().numpy().tobytes(), digest)
    with _cache_lock:
        if digest in _cache:
            _cache.move_to_end(digest)
            return _cache[digest]
    working = refiner.working_size
    answers = []
    for frame in chosen:
        cancel.raise_if_cancelled()
        image, matte = frame_getter(frame), mattes[frame]
        matte = matte.astype(np.float32) / 255 if matte.dtype == np.uint8 else matte
        answer = _to_working(without_detached_pieces(refiner.refine(image, matte), matte), working)
        truth = (answer >= 0.5).astype(np.float32)
        if truth.any():
            unsure = np.abs(answer - 0.5) < UNSURE_MARGIN  # not learned from either way
            answers.append(_Example(_to_working(image, working).astype(np.float32) / 255, truth, [],
                                    np.nonzero(_outline(truth)), unsure))
    if not answers or not shown:
        return refiner
    examples = _examples(frame_getter, shown, flow, working)
    examples = examples * max(1, len(answers) // len(examples)) + answers  # keyframes: half the crops
    adapted = _train(examples, refiner.frame_size, working, max(1, refiner.steps // WARM_START_DIVISOR),
                     seed + 1, refiner, refiner.keyframes,
                     "Learning the object's outline from the propagated frames", progress, cancel)
    adapted.steps = refiner.steps
    _keep(digest, adapted)
    return adapted


def _keep(key: int, refiner: ClipRefiner) -> None:
    with _cache_lock:
        _cache[key] = refiner
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def forget_refiners() -> None:
    """Drop every kept refiner (the next training starts from scratch)."""
    with _cache_lock:
        _cache.clear()


def _train(examples: list[_Example], frame_size: tuple[int, int], working: tuple[int, int], steps: int,
           seed: int, start: ClipRefiner | None, keyframes: frozenset[tuple[int, int]], message: str,
           progress: ProgressFn, cancel: CancelToken) -> ClipRefiner:
    rng = np.random.default_rng(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ClipRefinerNet().to(memory_format=torch.channels_last)  # faster convolutions on CPU
        if start is not None:
            net.load_state_dict(start.net.state_dict())
        optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
        for step in range(steps):
            cancel.raise_if_cancelled()
            rgb, prior, truth, weight = _batch(examples, rng)
            rgb, prior = rgb.contiguous(memory_format=torch.channels_last), prior.contiguous(
                memory_format=torch.channels_last)
            with _fast_precision():
                logits = net(rgb, prior).float()
            loss = (F.binary_cross_entropy_with_logits(logits, truth, reduction="none") * weight).sum() / weight.sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            progress(step + 1, steps, message)
    return ClipRefiner(net.eval(), frame_size, working, keyframes)


def _keyframe_digest(frame: np.ndarray, mask: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(frame), zlib.crc32(np.ascontiguousarray(mask)))


@dataclass
class _Example:
    rgb: np.ndarray  # (h, w, 3) float32 0..1, working size
    truth: np.ndarray  # (h, w) float32 0/1
    round_trips: list[np.ndarray]  # priors carried away and back, float32 0..1
    outline: tuple[np.ndarray, np.ndarray]  # (ys, xs) of the true outline, where crops centre
    unsure: np.ndarray | None = None  # bool: pixels of an answer of its own that teach nothing


def _examples(frame_getter: FrameGetter, masks: Mapping[int, np.ndarray], flow: FlowField,
              working: tuple[int, int]) -> list[_Example]:
    examples = []
    for frame, mask in sorted(masks.items()):
        full = (mask > 0).astype(np.float32)
        trips = [round_trip_prior(full, frame, d, flow) for d in ROUND_TRIP_FRAMES]
        truth = (_to_working(full, working) >= 0.5).astype(np.float32)
        examples.append(_Example(
            _to_working(frame_getter(frame), working).astype(np.float32) / 255, truth,
            [_to_working(t, working) for t in trips if t is not None], np.nonzero(_outline(truth))))
    return examples


def _batch(examples: list[_Example], rng: np.random.Generator):
    rgbs, priors, truths, weights = [], [], [], []
    for _ in range(BATCH):
        example = examples[int(rng.integers(len(examples)))]
        if example.round_trips and rng.random() < 0.5:
            prior = example.round_trips[int(rng.integers(len(example.round_trips)))]
            if rng.random() < 0.5:  # carried drift plus a random deformation on top
                prior = deformed_prior(prior, rng)
        else:
            prior = deformed_prior(example.truth, rng)
        window = _crop_window(example.truth.shape, example.outline, rng)
        rgb, prior, truth = example.rgb[window], prior[window], example.truth[window]
        if rng.random() < 0.5:  # exposure jitter: keyframes and frames are not lit the same
            rgb = np.clip(rgb * rng.uniform(0.85, 1.15) + rng.uniform(-0.05, 0.05), 0.0, 1.0)
        weight = np.where(_outline_distance(prior, truth) <= BAND_PX, 1.0, 0.1).astype(np.float32)
        if example.unsure is not None:
            weight[example.unsure[window]] = 0.0
        if rng.random() < 0.5:
            rgb, prior, truth, weight = rgb[:, ::-1], prior[:, ::-1], truth[:, ::-1], weight[:, ::-1]
        rgbs.append(rgb)
        priors.append(prior[None])
        truths.append(truth[None])
        weights.append(weight[None])
    return (_rgb_tensor(np.stack(rgbs)), torch.from_numpy(np.ascontiguousarray(np.stack(priors))),
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


def _outline(matte: np.ndarray) -> np.ndarray:
    inside = (matte >= 0.5).astype(np.uint8)
    return cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0


def _outline_distance(*mattes: np.ndarray) -> np.ndarray:
    """Pixels to the nearest outline of any of ``mattes`` (float32)."""
    distances = [cv2.distanceTransform((~_outline(m)).astype(np.uint8), cv2.DIST_L2, 3) for m in mattes]
    return np.minimum.reduce(distances)


def _band(prior: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """1 within BAND_PX of the prior's outline, fading to 0 over BAND_FADE_PX (both × ``scale``)."""
    if not (prior >= 0.5).any():
        return np.zeros(prior.shape, np.float32)
    distance = _outline_distance(prior) / np.float32(scale)
    return np.clip((BAND_PX + BAND_FADE_PX - distance) / BAND_FADE_PX, 0.0, 1.0).astype(np.float32)


def _fast_precision():
    """bfloat16 autocast where the CPU computes it natively (AVX512-BF16 or AMX: with channels-last
    tensors 0.07 s a step instead of 0.25 on a 2-core Xeon, the same J&F on bmx-trees); plain
    float32 everywhere else (0.20 s a step channels-last)."""
    return torch.autocast("cpu", dtype=torch.bfloat16) if native_cpu_bfloat16() else contextlib.nullcontext()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _to_working(image: np.ndarray, working: tuple[int, int]) -> np.ndarray:
    if (image.shape[1], image.shape[0]) == working:
        return image.astype(np.float32) if image.dtype != np.uint8 else image
    interpolation = cv2.INTER_AREA if image.shape[1] > working[0] else cv2.INTER_LINEAR
    resized = cv2.resize(image, working, interpolation=interpolation)
    return resized.astype(np.float32) if image.dtype != np.uint8 else resized


def _rgb_tensor(rgb: np.ndarray) -> torch.Tensor:
    """``(N, h, w, 3)`` uint8 or float 0..1 → ``(N, 3, h, w)`` float32 0..1."""
    rgb = rgb.astype(np.float32) / 255 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)))
