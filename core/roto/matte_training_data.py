"""Training examples for the rotoscoping network, from clips with a ground-truth mask per frame.

Each clip is rotoscoped by the propagation as it runs in production (:func:`core.roto.propagate_masks`
with :data:`EXAMPLE_OPTIONS`: re-anchoring and the clip refiner on, the network off) from
keyframes taken from its ground truth, in a few layouts (:data:`DEFAULT_LAYOUTS`: the first frame
only, keyframes every 20 frames at two phases, every 40; propagations are cached on disk by
:mod:`core.roto.matte_example_cache`). Every propagated frame
becomes an example: its frame, the carried matte (the *prior* the network corrects), its
neighbouring keyframes and the true mask. So the network learns to fix the drift the classical
propagation really makes, at the keyframe distances editors really use.

:class:`MatteSamples` turns examples into network inputs at the working size, with a random
horizontal flip and a random brightness/contrast change shared by the target and its keyframes.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from itertools import zip_longest
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
from core.roto.clip_refiner import forget_refiners
from core.roto.matte_example_cache import example_file, read_examples, write_examples
from core.roto.options import RotoOptions
from core.roto.propagate import propagate_masks
from core.roto.synthetic_clips import synthetic_roto_clip

DEFAULT_LAYOUTS = ("first", "20", "20+10", "40")
"""Keyframe layouts ``train-roto`` uses by default: the first frame only, every 20 frames from
frame 0 and from frame 10, every 40 from frame 0 (4 propagations per clip)."""
SYNTHETIC_STEPS = (10, 20, 30)  # synthetic clips are 40 frames long
SYNTHETIC_PHASE_STEP = 10
PROPAGATION_FLOW_PAIRS = 4096  # a clip's flows kept while it is propagated in every layout
TRAINING_FLOW_PAIRS = 48  # kept per clip while training (frame -> keyframe pairs, ~2.3 MB each)
EXAMPLE_OPTIONS = RotoOptions(matte_model=None)
"""How examples are propagated: the production defaults (re-anchoring, the clip refiner from its
pretrained weights) without the rotoscoping network: what the network corrects in production,
and never a shipped network's own output."""


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


def layout_keyframes(layout: str, frame_count: int) -> list[int]:
    """Keyframes of a layout: ``first``, ``last``, ``N`` (every N frames from frame 0) or
    ``N+P`` (every N frames from frame P). ValueError for anything else."""
    if layout == "first":
        return [0]
    if layout == "last":
        return [frame_count - 1]
    step, _, phase = layout.partition("+")
    if not step.isdigit() or int(step) < 1 or (phase and not phase.isdigit()):
        raise ValueError(f"unknown keyframe layout {layout!r}: give first, last, N or N+P (every N frames from P)")
    return list(range(int(phase or 0), frame_count, int(step))) or [0]


def keyframe_layouts(frame_count: int, steps: Sequence[int] = (10, 20, 30, 40),
                     phase_step: int = 5) -> list[list[int]]:
    """Keyframe index lists: first only, last only, every step at each phase."""
    layouts = [[0], [frame_count - 1]]
    for step in steps:
        for phase in range(0, step, phase_step):
            keys = list(range(phase, frame_count, step))
            if len(keys) >= 1 and len(keys) < frame_count:
                layouts.append(keys)
    return layouts


def build_examples(folders: Sequence[Path], *, layouts: Sequence[str] = DEFAULT_LAYOUTS,
                   synthetic: int = 0, footage: Sequence[Sequence[np.ndarray]] = (), seed: int = 0,
                   cache: Path | None = None, deadline: float | None = None,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED
                   ) -> tuple[list[MatteTrainingClip], list[MatteExample]]:
    """Rotoscope every clip folder (``frames/`` + ``masks/``) in every keyframe layout (see
    :func:`layout_keyframes`; propagations found in ``cache`` are read back, those made are kept
    there, :mod:`core.roto.matte_example_cache`), and ``synthetic`` clips made from ``footage``
    (lists of frames) by :func:`core.roto.synthetic_clips.synthetic_roto_clip` in the layouts of
    :data:`SYNTHETIC_STEPS` (never cached).

    Propagations run round by round: each clip's first layout, then each clip's second, ..., clip
    ``i`` taking the layouts from the ``i``-th on (so a run cut short has every clip, in a mix of
    layouts). After ``deadline`` (``time.monotonic()``) no new propagation starts: the cached
    ones are still read, the rest are left out."""
    for layout in layouts:
        layout_keyframes(layout, 2)  # a bad layout fails before any work
    clips: list[MatteTrainingClip] = []
    per_clip: list[list[tuple[int, str | None, list[int]]]] = []  # (clip, layout name for the cache, keyframes)

    def add(name: str, frames: list[np.ndarray], truth: list[np.ndarray], named: list[tuple[str | None, list[int]]]
            ) -> None:
        flow = FlowField(frames.__getitem__, len(frames), working_width=None, cache_pairs=TRAINING_FLOW_PAIRS)
        clips.append(MatteTrainingClip(name, frames, truth, flow))
        index = len(clips) - 1
        turn = index % len(named) if named else 0
        per_clip.append([(index, layout, keys) for layout, keys in named[turn:] + named[:turn]])

    for folder in folders:
        frames, truth = read_clip_with_masks(folder)
        height, width = truth[0].shape
        size = working_frame_size(width, height)
        frames = [resized(f, size, cv2.INTER_AREA) for f in frames]
        truth = [(resized(m, size, cv2.INTER_NEAREST) > 0).astype(np.uint8) for m in truth]
        add(folder.name, frames, truth, [(layout, layout_keyframes(layout, len(frames))) for layout in layouts])
    if synthetic and not footage:
        raise ValueError("synthetic clips need footage to composite over")
    rng = np.random.default_rng(seed)
    textures = [clip[i] for clip in footage for i in range(0, len(clip), 10)]
    for number in range(synthetic):
        frames, truth = synthetic_roto_clip(footage[int(rng.integers(len(footage)))], textures, rng)
        add(f"synthetic-{number}", frames, truth,
            [(None, keys) for keys in keyframe_layouts(len(frames), SYNTHETIC_STEPS, SYNTHETIC_PHASE_STEP)])

    plans = [plan for round_ in zip_longest(*per_clip) for plan in round_ if plan is not None]
    examples: list[MatteExample] = []
    skipped = 0
    propagation_flow: tuple[int, FlowField] | None = None  # one clip's, dropped for the next clip's
    for done, (clip_index, layout, keys) in enumerate(plans):
        cancel.raise_if_cancelled()
        clip = clips[clip_index]
        progress(done, len(plans), f"Propagating {clip.name} from keyframes {keys[:4]}...")
        path = None if cache is None or layout is None else example_file(
            cache, clip.name, layout, len(clip.frames), clip.truth[0].shape[::-1])
        kept = read_examples(path) if path is not None and path.is_file() else None
        if kept is None and deadline is not None and time.monotonic() > deadline:
            skipped += 1
            continue
        if kept is None:
            if propagation_flow is None or propagation_flow[0] != clip_index:
                propagation_flow = (clip_index, FlowField(clip.frames.__getitem__, len(clip.frames),
                                                          working_width=None, cache_pairs=PROPAGATION_FLOW_PAIRS))
            kept = _propagated_mattes(clip, keys, propagation_flow[1], cancel)
            if path is not None:
                write_examples(path, *kept)
        examples += _examples(clip_index, keys, *kept)
    progress(len(plans), len(plans), f"{len(examples)} training examples"
             + (f" ({skipped} of {len(plans)} propagations left out at the deadline)" if skipped else ""))
    return clips, examples


def _propagated_mattes(clip: MatteTrainingClip, keys: list[int], flow: FlowField, cancel: CancelToken
                       ) -> tuple[list[int], list[np.ndarray]]:
    """The clip's non-keyframes and their mattes propagated from its true masks on ``keys``, as a
    first propagation of the clip in production (the clip refiner starts afresh)."""
    forget_refiners()
    results = propagate_masks(clip.frames.__getitem__, len(clip.frames), {k: clip.truth[k] * 255 for k in keys},
                              options=EXAMPLE_OPTIONS, flow=flow, cancel=cancel)
    frames = [frame for frame, result in results.items() if not result.is_keyframe]
    return frames, [results[frame].matte for frame in frames]


def _examples(clip_index: int, layout: list[int], frames: list[int], mattes) -> list[MatteExample]:
    examples = []
    for frame, matte in zip(frames, mattes):
        position = bisect.bisect_left(layout, frame)
        sides = tuple(layout[i] for i in (position - 1, position) if 0 <= i < len(layout))
        examples.append(MatteExample(clip_index, frame, np.asarray(matte, np.uint8), sides))
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
