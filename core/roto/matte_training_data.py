"""Training examples for the rotoscoping network, from clips with a ground-truth mask per frame.

Each clip is rotoscoped by the classical propagation (:func:`core.roto.propagate_masks`) from
keyframes taken from its ground truth, in many layouts: the first frame only, the last frame
only, and keyframes every 10, 20, 30 and 40 frames at several phases. Every propagated frame
becomes an example: its frame, the carried matte (the *prior* the network corrects), its
neighbouring keyframes and the true mask. So the network learns to fix the drift the classical
propagation really makes, at the keyframe distances editors really use.

:class:`MatteSamples` turns examples into network inputs at the working size, with a random
horizontal flip and a random brightness/contrast change shared by the target and its keyframes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch

from core.clip_folder import read_clip_with_masks
from core.flow import FlowField
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.resize import resized
from core.roto.matte_model import BAND_PX, MatteKeyframe, correction_band, network_inputs, working_frame_size
from core.roto.propagate import propagate_masks
from core.roto.synthetic_clips import synthetic_roto_clip

KEYFRAME_STEPS = (10, 20, 30, 40)
PHASE_STEP = 5  # keyframe layouts start at frames 0, 5, 10, ... below the step
SYNTHETIC_STEPS = (10, 20, 30)  # synthetic clips are 40 frames long
SYNTHETIC_PHASE_STEP = 10


@dataclass(frozen=True)
class MatteExample:
    clip: int           # index into MatteTrainingClips.clips
    frame: int
    prior: np.ndarray   # (h, w) uint8 0..255, working size
    keyframes: tuple[int, ...]  # the previous and/or the next keyframe


@dataclass
class MatteTrainingClip:
    name: str
    frames: list[np.ndarray]   # working size uint8 RGB
    truth: list[np.ndarray]    # working size uint8 0/1
    flow: FlowField            # on the working-size frames


def keyframe_layouts(frame_count: int, steps: Sequence[int] = KEYFRAME_STEPS,
                     phase_step: int = PHASE_STEP) -> list[list[int]]:
    """Keyframe index lists: first only, last only, every step at each phase."""
    layouts = [[0], [frame_count - 1]]
    for step in steps:
        for phase in range(0, step, phase_step):
            keys = list(range(phase, frame_count, step))
            if len(keys) >= 1 and len(keys) < frame_count:
                layouts.append(keys)
    return layouts


def build_examples(folders: Sequence[Path], *, keyframe_steps: Sequence[int] = KEYFRAME_STEPS,
                   synthetic: int = 0, footage: Sequence[Sequence[np.ndarray]] = (), seed: int = 0,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED
                   ) -> tuple[list[MatteTrainingClip], list[MatteExample]]:
    """Rotoscope every clip folder (``frames/`` + ``masks/``) in every keyframe layout, and
    ``synthetic`` clips made from ``footage`` (lists of frames) by
    :func:`core.roto.synthetic_clips.synthetic_roto_clip` in the layouts of
    :data:`SYNTHETIC_STEPS`."""
    clips: list[MatteTrainingClip] = []
    plans: list[tuple[int, list[int]]] = []

    def add(name: str, frames: list[np.ndarray], truth: list[np.ndarray], layouts: list[list[int]]) -> None:
        flow = FlowField(frames.__getitem__, len(frames), working_width=None, cache_pairs=8192)
        clips.append(MatteTrainingClip(name, frames, truth, flow))
        plans.extend((len(clips) - 1, layout) for layout in layouts)

    for folder in folders:
        frames, truth = read_clip_with_masks(folder)
        height, width = truth[0].shape
        size = working_frame_size(width, height)
        frames = [resized(f, size, cv2.INTER_AREA) for f in frames]
        truth = [(resized(m, size, cv2.INTER_NEAREST) > 0).astype(np.uint8) for m in truth]
        add(folder.name, frames, truth, keyframe_layouts(len(frames), keyframe_steps))
    if synthetic and not footage:
        raise ValueError("synthetic clips need footage to composite over")
    rng = np.random.default_rng(seed)
    textures = [clip[i] for clip in footage for i in range(0, len(clip), 10)]
    for number in range(synthetic):
        frames, truth = synthetic_roto_clip(footage[int(rng.integers(len(footage)))], textures, rng)
        add(f"synthetic-{number}", frames, truth,
            keyframe_layouts(len(frames), SYNTHETIC_STEPS, phase_step=SYNTHETIC_PHASE_STEP))

    examples: list[MatteExample] = []
    for done, (clip_index, layout) in enumerate(plans):
        cancel.raise_if_cancelled()
        clip = clips[clip_index]
        progress(done, len(plans), f"Propagating {clip.name} from keyframes {layout[:4]}...")
        examples += _propagated_examples(clip_index, clip, layout, cancel)
    progress(len(plans), len(plans), f"{len(examples)} training examples")
    return clips, examples


def _propagated_examples(clip_index: int, clip: MatteTrainingClip, layout: list[int],
                         cancel: CancelToken) -> list[MatteExample]:
    results = propagate_masks(clip.frames.__getitem__, len(clip.frames),
                              {k: clip.truth[k] * 255 for k in layout}, flow=clip.flow, cancel=cancel)
    examples = []
    for frame, result in results.items():
        if result.is_keyframe:
            continue
        position = bisect.bisect_left(layout, frame)
        sides = tuple(layout[i] for i in (position - 1, position) if 0 <= i < len(layout))
        examples.append(MatteExample(clip_index, frame, result.matte, sides))
    return examples


class MatteSamples(torch.utils.data.Dataset):
    """Sample ``i``: an example drawn at random, with augmentations, both seeded by ``i``."""

    def __init__(self, clips: list[MatteTrainingClip], examples: list[MatteExample], seed: int = 0,
                 crop: tuple[int, int] | None = (224, 192), band_px: float = BAND_PX) -> None:
        """crop: ``(w, h)`` windows (multiples of 8) around the object, or None for whole frames;
        band_px: how far from the prior's outline the correction reaches."""
        if not examples:
            raise ValueError("no training examples")
        self.clips, self.examples, self.seed, self.crop = clips, examples, seed, crop
        self.band_px = band_px

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng((self.seed, index))
        example = self.examples[int(rng.integers(len(self.examples)))]
        clip = self.clips[example.clip]
        keys = [MatteKeyframe(clip.frames[k], clip.truth[k].astype(np.float32),
                              clip.flow.flow(example.frame, k), clip.flow.consistency(example.frame, k))
                for k in example.keyframes]
        rgb, prior, truth = clip.frames[example.frame], example.prior / 255.0, clip.truth[example.frame]
        tone = (rng.uniform(0.75, 1.25), rng.uniform(-0.1, 0.1) * 255, rng.permutation(3), rng.random() < 0.1)
        rgb = _tone(rgb, *tone)
        keys = [MatteKeyframe(_tone(k.rgb, *tone), k.mask, k.flow, k.consistency) for k in keys]
        if rng.random() < 0.5:
            rgb, prior, truth = rgb[:, ::-1], prior[:, ::-1], truth[:, ::-1]
            keys = [MatteKeyframe(k.rgb[:, ::-1], k.mask[:, ::-1], _flip_flow(k.flow), k.consistency[:, ::-1])
                    for k in keys]
        if self.crop is not None:
            window = _window_around(truth | (prior > 0.5), self.crop, rng)
            rgb, prior, truth = rgb[window], prior[window], truth[window]
            keys = [MatteKeyframe(k.rgb[window], k.mask[window], k.flow[window], k.consistency[window])
                    for k in keys]
        target, keyframes, flows, consistency = network_inputs(
            np.ascontiguousarray(rgb), np.ascontiguousarray(prior, np.float32), keys)
        return {"target": torch.from_numpy(target), "keyframes": torch.from_numpy(np.ascontiguousarray(keyframes)),
                "flows": torch.from_numpy(np.ascontiguousarray(flows)),
                "consistency": torch.from_numpy(np.ascontiguousarray(consistency)),
                "truth": torch.from_numpy(np.ascontiguousarray(truth, np.float32))[None],
                "band": torch.from_numpy(correction_band(np.ascontiguousarray(prior, np.float32), self.band_px))[None]}


def _tone(rgb: np.ndarray, gain: float, bias: float, channels: np.ndarray, grey: bool) -> np.ndarray:
    """Brightness/contrast, a channel order and maybe grey: colour is no cue to memorise."""
    out = rgb.astype(np.float32)[..., channels] * gain + bias
    if grey:
        out = np.repeat(out.mean(axis=2, keepdims=True), 3, axis=2)
    return np.clip(out, 0, 255).astype(np.uint8)


def _flip_flow(flow: np.ndarray) -> np.ndarray:
    flipped = flow[:, ::-1].copy()
    flipped[..., 0] *= -1
    return flipped


def _window_around(mask: np.ndarray, crop: tuple[int, int], rng: np.random.Generator) -> tuple[slice, slice]:
    """A ``crop``-sized window (clipped to the frame) centred near the object, jittered."""
    height, width = mask.shape
    cw, ch = min(crop[0], width), min(crop[1], height)
    ys, xs = np.nonzero(mask)
    if len(xs):
        cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    else:
        cx, cy = width / 2, height / 2
    cx += rng.uniform(-0.3, 0.3) * cw
    cy += rng.uniform(-0.3, 0.3) * ch
    x0 = int(np.clip(round(cx - cw / 2), 0, width - cw))
    y0 = int(np.clip(round(cy - ch / 2), 0, height - ch))
    return slice(y0, y0 + ch), slice(x0, x0 + cw)
