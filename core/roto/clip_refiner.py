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

Nothing downloaded: 38 k weights learned in 20 s to 1.5 minutes on two CPU cores, starting from
the weights pretrained on the DAVIS training sequences that ship (``main.py train-refiner``,
:mod:`core.roto.clip_refiner_weights`; 100 steps from them, against 300 from random weights, were
as good or better on the validation split: docs/quality.md). After the user adds or corrects a keyframe, the refiner that learned the others is the starting
point and a third of the steps suffice (on bmx-trees and tennis, keyframes every 20 frames, as good
as training from scratch or better: docs/quality.md).

The parts: the network (:mod:`core.roto.clip_refiner_net`), the examples and batches it learns from
(:mod:`core.roto.clip_refiner_examples`), the training loop (:mod:`core.roto.clip_refiner_training`)
and the refiners kept in the process (:mod:`core.roto.clip_refiner_cache`); this module puts them
together.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Callable, Mapping

import cv2
import numpy as np
import torch

from core.flow import FlowField
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto.clip_refiner_cache import forget_refiners, kept_refiners
from core.roto.clip_refiner_examples import (
    BAND_PX,
    Example,
    answer_example,
    keyframe_examples,
    outline_distance,
    to_working,
)
from core.roto.clip_refiner_net import CHANNELS, RECEPTIVE_PX, ClipRefinerNet, rgb_tensor
from core.roto.clip_refiner_training import fast_precision, trained_net
from core.roto.clip_refiner_weights import pretrained_refiner
from core.roto.mask_pieces import without_detached_pieces
from core.roto.object_box import grown_mask_box, scaled_box
from core.roto.matte_model import PRIOR_CLAMP, prior_logit, working_frame_size  # 432 px wide at most
from core.roto.options import DEFAULT_STEPS, refine_steps

__all__ = ["WARM_START_DIVISOR", "ClipRefiner", "ClipRefinerNet", "adapt_clip_refiner",
           "forget_refiners", "kept_clip_refiner", "train_clip_refiner"]

BAND_FADE_PX = 4.0  # beyond BAND_PX from the prior's outline the correction fades out over this many pixels
WARM_START_DIVISOR = 3  # starting from a refiner that knows some of the keyframes: steps // 3
ADAPT_FRAMES = 64  # propagated frames whose answers the refiner also learns from, at most
UNSURE_MARGIN = 0.25  # its own answers within this of 0.5 are left out of the self-training

FrameGetter = Callable[[int], np.ndarray]


@dataclass
class ClipRefiner:
    """A refiner trained on one clip's keyframes (:func:`train_clip_refiner`)."""

    net: ClipRefinerNet
    frame_size: tuple[int, int]  # (width, height) of the clip
    working_size: tuple[int, int]  # (width, height) the network runs at
    keyframes: frozenset[tuple[int, int]] = frozenset()  # (frame, digest of its pixels and mask) learned from
    steps: int = DEFAULT_STEPS  # asked for its training (a warm start trains fewer)
    # the keyframes' examples by (frame, digest), reused by its self-training and by a warm start
    examples: Mapping[tuple[int, int], Example] = field(default_factory=dict, repr=False)

    def refine(self, frame: np.ndarray, matte: np.ndarray) -> np.ndarray:
        """``matte`` (``(H, W)`` float32 0..1) corrected near its outline on ``frame`` (RGB uint8).

        Only the box around the band it corrects is computed: the network on that box of the
        working grid with room for its field of view, the band on that box of the frame."""
        full = matte.astype(np.float32)
        scale = self.frame_size[0] / self.working_size[0]
        box = grown_mask_box(full, math.ceil((BAND_PX + BAND_FADE_PX) * scale) + 1)
        if box is None:  # no outline to correct
            return np.clip(full, 0.0, 1.0)
        region = scaled_box(box, 1 / scale, self.working_size, RECEPTIVE_PX + 2)
        rgb, prior = to_working(frame, self.working_size)[region], to_working(full, self.working_size)[region]
        channels_last = torch.channels_last
        with torch.no_grad(), fast_precision():
            logits = self.net(rgb_tensor(rgb[None]).contiguous(memory_format=channels_last),
                              torch.from_numpy(np.ascontiguousarray(prior)[None, None]).contiguous(
                                  memory_format=channels_last))
        correction = np.zeros(self.working_size[::-1], np.float32)
        correction[region] = logits[0, 0].float().numpy() - prior_logit(prior)
        if self.working_size != self.frame_size:
            correction = cv2.resize(correction, self.frame_size, interpolation=cv2.INTER_LINEAR)
        local = full[box]
        correction = correction[box] * _band(local, scale=scale)
        # the change the correction makes to the clamped prior, added to the prior itself: where
        # there is no correction the matte comes back exactly as it was
        change = _sigmoid(prior_logit(local) + correction) - np.clip(local, PRIOR_CLAMP, 1 - PRIOR_CLAMP)
        refined = np.clip(full, 0.0, 1.0)
        refined[box] = np.clip(local + change, 0.0, 1.0)
        return refined


def train_clip_refiner(
    frame_of: FrameGetter,
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
    is 0). Training starts from the pretrained weights when they are there
    (:func:`~core.roto.clip_refiner_weights.pretrained_refiner`), else from random weights.
    Deterministic for a given ``seed``, weights and history (the refiners kept, see below); leaves
    torch's global random state as it was. The last few refiners are kept, keyed by the keyframes'
    pixels and masks; when one of them learned from some of the same keyframes (the user added or
    corrected a keyframe and propagates again), training starts from its weights and takes a third
    of the steps (:data:`WARM_START_DIVISOR`). Raises Cancelled (between steps) when ``cancel`` is set.
    """
    steps = refine_steps(steps)
    shown = {k: m for k, m in keyframe_masks.items() if m.any()}
    if steps == 0 or not shown:
        return None
    digests = {frame: _keyframe_digest(frame_of(frame), mask) for frame, mask in shown.items()}
    keyframes = frozenset(digests.items())
    pretrained = pretrained_refiner()
    key = zlib.crc32(repr((sorted(keyframes), steps, seed, CHANNELS, BAND_PX)).encode(), _net_digest(pretrained))
    kept = kept_refiners.get(key)
    if kept is not None:
        return kept
    start = next((r for r in reversed(kept_refiners.values()) if r.keyframes & keyframes), None)
    width, height = flow.frame_size
    working = working_frame_size(width, height)
    examples = _examples_of(frame_of, shown, digests, flow, working, {} if start is None else start.examples)
    net = trained_net(list(examples.values()), steps if start is None else max(1, steps // WARM_START_DIVISOR),
                      seed, pretrained if start is None else start.net,
                      "Learning the object's outline from the keyframes", progress, cancel)
    return kept_refiners.put(key, ClipRefiner(net, (width, height), working, keyframes, steps, examples))


def kept_clip_refiner(frame_of: FrameGetter, keyframe_masks: Mapping[int, np.ndarray]) -> ClipRefiner | None:
    """The refiner kept in this process that learned the most recently from any of these
    keyframes (the one a re-propagation would warm-start from, self-trained where it was), as it
    is, without training; None when none did. What the quick pass of a re-propagation refines with."""
    keyframes = keyframe_digests(frame_of, keyframe_masks)
    return next((r for r in reversed(kept_refiners.values()) if r.keyframes & keyframes), None)


def keyframe_digests(frame_of: FrameGetter, keyframe_masks: Mapping[int, np.ndarray]) -> set[tuple[int, int]]:
    """``{(frame, digest of its pixels and mask)}`` of the keyframes that show the object: what
    :attr:`ClipRefiner.keyframes` holds for those a refiner learned from."""
    return {(frame, _keyframe_digest(frame_of(frame), mask)) for frame, mask in keyframe_masks.items() if mask.any()}


def _examples_of(frame_of: FrameGetter, shown: Mapping[int, np.ndarray], digests: Mapping[int, int],
                 flow: FlowField, working: tuple[int, int], known: Mapping[tuple[int, int], Example]
                 ) -> dict[tuple[int, int], Example]:
    """``{(frame, digest): Example}`` of the keyframes ``shown``, in frame order: those a kept
    refiner already learned from (``known``, the same pixels and mask) reused, the others made."""
    new = {frame: mask for frame, mask in shown.items() if (frame, digests[frame]) not in known}
    made = dict(zip(sorted(new), keyframe_examples(frame_of, new, flow, working))) if new else {}
    return {(frame, digests[frame]): known[(frame, digests[frame])] if frame not in made else made[frame]
            for frame in sorted(shown)}


def adapt_clip_refiner(
    refiner: ClipRefiner,
    frame_of: FrameGetter,
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
    digest = _net_digest(refiner.net, digest)  # this refiner, not another of the same keyframes
    kept = kept_refiners.get(digest)
    if kept is not None:
        return kept
    working = refiner.working_size
    answers = []
    for frame in chosen:
        cancel.raise_if_cancelled()
        image, matte = frame_of(frame), mattes[frame]
        matte = matte.astype(np.float32) / 255 if matte.dtype == np.uint8 else matte
        answer = to_working(without_detached_pieces(refiner.refine(image, matte), matte), working)
        example = answer_example(image, answer, working, UNSURE_MARGIN)
        if example is not None:
            answers.append(example)
    if not answers or not shown:
        return refiner
    digests = {frame: _keyframe_digest(frame_of(frame), mask) for frame, mask in shown.items()}
    examples = list(_examples_of(frame_of, shown, digests, flow, working, refiner.examples).values())
    examples = examples * max(1, len(answers) // len(examples)) + answers  # keyframes: half the crops
    net = trained_net(examples, max(1, refiner.steps // WARM_START_DIVISOR), seed + 1, refiner.net,
                      "Learning the object's outline from the propagated frames", progress, cancel)
    adapted = ClipRefiner(net, refiner.frame_size, working, refiner.keyframes, refiner.steps, refiner.examples)
    return kept_refiners.put(digest, adapted)


def _net_digest(net: ClipRefinerNet | None, digest: int = 0) -> int:
    """``digest`` updated with ``net``'s weights (unchanged for None)."""
    for weights in ([] if net is None else net.state_dict().values()):
        digest = zlib.crc32(weights.float().numpy().tobytes(), digest)
    return digest


def _keyframe_digest(frame: np.ndarray, mask: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(frame), zlib.crc32(np.ascontiguousarray(mask)))


def _band(prior: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """1 within BAND_PX of the prior's outline, fading to 0 over BAND_FADE_PX (both × ``scale``)."""
    if not (prior >= 0.5).any():
        return np.zeros(prior.shape, np.float32)
    distance = outline_distance(prior) / np.float32(scale)
    return np.clip((BAND_PX + BAND_FADE_PX - distance) / BAND_FADE_PX, 0.0, 1.0).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
