"""Training samples: a hidden target, its keyframes, and the flows between them.

Sample ``n`` is a pure function of ``(seed, n)``: any worker can build any sample, and a resumed
run sees exactly the samples the interrupted one would have seen.

One sample (crop ``H x W``, ``T`` keyframes):

- the **target**: a random crop of a random frame, hidden by a random hole
  (:class:`HoleMaskGenerator`); pixels whose truth is unknown (``FootageClip.unknown``) are
  always in the hole and never in the loss (``weight`` 0);
- each of the ``T`` **keyframes** is, by chance, either a *real* one, the same crop of another
  frame of the clip at one of the renderer's offsets, with DIS flow from ``PairFlows``, or a
  *synthetic* one, the target moved by a known random transform (``synthetic_keyframe``). Every
  keyframe gets its own hole (mostly object-shaped, as the removed object is there too);
- **flow** target -> keyframe is then *completed* where it cannot be trusted, exactly as the
  renderer does (``core.fill.flow_completion``): inside the target's hole and where it lands in
  the keyframe's hole the flow is interpolated from around it, and consistency is measured
  between the completed flows. The network so trains on the flow it will get at render time,
  not on clean flow it will never see.

Tensors are returned small (uint8 images, masks and consistency, float16 flows) and turned into
network inputs on the device (``to_network_inputs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import torch

from core.fill.flow_completion import BOUNDARY_MARGIN, complete_flow
from core.flow import forward_backward_consistency, warp
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.train.footage import FootageClip
from core.train.hole_masks import HoleMaskGenerator
from core.train.pair_flows import PairFlows, compute_pair_flows, frame_pairs
from core.train.synthetic_keyframe import synthetic_keyframe

_MARGIN = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * BOUNDARY_MARGIN + 1,) * 2)


@dataclass(frozen=True)
class SampleSettings:
    crop: tuple[int, int] = (240, 240)  # (H, W) pixels
    keyframes: int = 3                  # T; the paper trains with two
    real_keyframes: float = 0.7         # chance a keyframe is another frame (when the clip has any)
    flip: bool = True                   # mirror half the samples
    seed: int = 0


class TrainingSamples(torch.utils.data.Dataset):
    """``samples[n]`` -> dict of tensors (see ``build``); indexable by any ``n >= 0``."""

    def __init__(self, clips: Sequence[FootageClip], flows: PairFlows, holes: HoleMaskGenerator,
                 settings: SampleSettings = SampleSettings()) -> None:
        self.clips = list(clips)
        self.flows = flows
        self.holes = holes
        self.settings = settings
        # longer clips are drawn more often, but sub-linearly: a long clip is mostly repetition
        weights = np.array([np.sqrt(len(c.frames)) for c in self.clips])
        self._clip_odds = weights / weights.sum()

    def __len__(self) -> int:
        return 2**62  # an endless stream; the loop picks which indices it reads

    def __getitem__(self, n: int) -> dict[str, torch.Tensor]:
        return self.build(np.random.default_rng([self.settings.seed, int(n)]))

    def build(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """``target_rgb (3, H, W)``, ``hole (1, H, W)``, ``weight (1, H, W)``,
        ``key_rgb (T, 3, H, W)``, ``key_hole (T, 1, H, W)`` uint8 (masks 0/1);
        ``flows (T, 2, H, W)`` float16 pixels; ``consistency (T, 1, H, W)`` uint8 0..255."""
        s = self.settings
        c = int(rng.choice(len(self.clips), p=self._clip_odds))
        clip = self.clips[c]
        t = int(rng.integers(len(clip.frames)))
        h, w = s.crop
        fh, fw = clip.size
        window = (slice(y := int(rng.integers(fh - h + 1)), y + h),
                  slice(x := int(rng.integers(fw - w + 1)), x + w))

        target = clip.frames[t][window]
        unknown = _crop_or_none(clip.unknown_at(t), window, (h, w))
        hole = self.holes.target_hole(rng, (h, w)) | unknown
        keys = [self._keyframe(rng, c, t, window, target, unknown, hole) for _ in range(s.keyframes)]

        arrays = {
            "target_rgb": target, "hole": hole, "weight": ~unknown,
            "key_rgb": np.stack([k[0] for k in keys]), "key_hole": np.stack([k[1] for k in keys]),
            "flows": np.stack([k[2] for k in keys]), "consistency": np.stack([k[3] for k in keys]),
        }
        if s.flip and rng.random() < 0.5:
            arrays = mirrored(arrays)
        return as_tensors(arrays)

    def _keyframe(self, rng, c: int, t: int, window, target: np.ndarray, unknown: np.ndarray,
                  hole: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(rgb (H, W, 3) uint8, hole (H, W) bool, flow (H, W, 2), consistency (H, W))``."""
        size = hole.shape
        partners = self.flows.partners(c, t)
        if partners and rng.random() < self.settings.real_keyframes:
            k = partners[int(rng.integers(len(partners)))]
            clip = self.clips[c]
            key_hole = self.holes.keyframe_hole(rng, size) | \
                _crop_or_none(clip.unknown_at(k), window, size)
            forward, _ = self.flows.flow(c, t, k)
            backward, _ = self.flows.flow(c, k, t)
            flow, consistency = completed_flow(forward[window], backward[window], hole, key_hole)
            return clip.frames[k][window], key_hole, flow, consistency
        key = synthetic_keyframe(target, rng, unknown=unknown)
        key_hole = self.holes.keyframe_hole(rng, size) | key.unknown
        return key.image, key_hole, key.flow, key.consistency


def samples_from_clips(clips: Sequence[FootageClip], settings: SampleSettings = SampleSettings(),
                       *, max_pairs: int | None = None, threads: int | None = None,
                       progress: ProgressFn = no_progress,
                       cancel: CancelToken = NEVER_CANCELLED) -> TrainingSamples:
    """``TrainingSamples`` over ``clips``: flows of their frame pairs computed now (see
    ``pair_flows``), holes shaped like every clip's object silhouettes."""
    pairs = frame_pairs(clips, max_pairs=max_pairs, seed=settings.seed)
    flows = compute_pair_flows(clips, pairs, threads=threads, progress=progress, cancel=cancel)
    shapes = [shape for clip in clips for shape in clip.shapes]
    return TrainingSamples(clips, flows, HoleMaskGenerator(shapes), settings)


def completed_flow(forward: np.ndarray, backward: np.ndarray, hole_a: np.ndarray,
                   hole_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The renderer's flow a -> b: both directions completed where unreliable (each frame's hole,
    and where the flow lands in the other's hole, grown by ``BOUNDARY_MARGIN``), then their
    forward-backward consistency. ``(flow (H, W, 2) float32, consistency (H, W) float32)``."""
    forward = _complete(forward, hole_a, hole_b)
    backward = _complete(backward, hole_b, hole_a)
    return forward, forward_backward_consistency(forward, backward)


def to_network_inputs(batch: dict[str, torch.Tensor], device: torch.device):
    """A collated batch -> ``(target (B, 4, H, W), keyframes (B, T, 4, H, W), flows, consistency,
    truth (B, 3, H, W) 0..1, hole (B, 1, H, W), weight (B, 1, H, W))`` on ``device``, float32.
    Hidden pixels are zeroed: the network sees only what it may use."""
    b = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    truth = b["target_rgb"].float() / 255
    hole = b["hole"].float()
    key_hole = b["key_hole"].float()
    target = torch.cat([truth * (1 - hole), hole], dim=1)
    keyframes = torch.cat([b["key_rgb"].float() / 255 * (1 - key_hole), key_hole], dim=2)
    flows = b["flows"].float()
    consistency = b["consistency"].float() / 255
    return target, keyframes, flows, consistency, truth, hole, b["weight"].float()


def _complete(flow: np.ndarray, hole_a: np.ndarray, hole_b: np.ndarray) -> np.ndarray:
    lands_in_hole_b = warp(hole_b.astype(np.uint8), flow, interpolation="nearest") > 0
    unreliable = cv2.dilate((hole_a | lands_in_hole_b).astype(np.uint8), _MARGIN) > 0
    return complete_flow(flow, unreliable)


def _crop_or_none(mask: np.ndarray | None, window, size: tuple[int, int]) -> np.ndarray:
    return np.zeros(size, bool) if mask is None else mask[window]


KEYFRAME_STACKS = ("key_rgb", "key_hole", "flows", "consistency", "candidates")
"""A sample's arrays with one entry per keyframe (or per flow-fill candidate), ``(T, H, W[, C])``;
the others are the target's, ``(H, W[, C])``."""


def mirrored(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every image mirrored left-right; flows' x components change sign."""
    out = {}
    for name, a in arrays.items():
        axis = 2 if name in KEYFRAME_STACKS else 1
        out[name] = np.flip(a, axis=axis)
    out["flows"] = out["flows"] * np.array([-1, 1], np.float32)
    return out


def as_tensors(arrays: dict[str, np.ndarray], *, consistency_scale: float = 255) -> dict[str, torch.Tensor]:
    """Channels first (a keyframe stack's on axis 1), contiguous; small, as workers pass them
    through shared memory: uint8 images, masks and consistency (times ``consistency_scale``: 255
    for consistency 0..1, 1 for one stored 0..255), float16 flows (1/16 pixel up to 128 pixels)."""
    out = {}
    for name, a in arrays.items():
        stack = name in KEYFRAME_STACKS
        if name == "consistency":
            a = np.round(a * consistency_scale)
        if a.ndim == (4 if stack else 3):  # (T, H, W, C) / (H, W, C)
            a = np.moveaxis(a, -1, 1 if stack else 0)
        else:  # masks: a channel axis of 1
            a = a[:, None] if stack else a[None]
        out[name] = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float16 if name == "flows" else np.uint8))
    return out
