"""Training samples of the ``residual_rgb`` removal network, cut from the cached examples.

Sample ``n`` is a pure function of ``(seed, n)``, as in :mod:`core.train.samples`: an example
(:mod:`core.train.prealign_data`), a crop of ``crop`` pixels that holds part of its hole, maybe
mirrored; its truth (the clean frame), hole, prealigned fill and confidence; its keyframes (clean
frames zeroed inside their own holes) with the stored flows brought back to the crop's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
import torch

from core.model.inputs import keyframe_channels, target_channels
from core.train.prealign_data import FLOW_SCALE
from core.train.samples import as_tensors, mirrored


@dataclass(frozen=True)
class CropSettings:
    crop: tuple[int, int] = (192, 192)  # (H, W) pixels, multiples of FLOW_SCALE
    keyframes: int = 2                  # of the stored ones, per sample
    candidates: bool = False            # the flow fill's candidates too (a model that reads them)
    flip: bool = True
    seed: int = 0


@dataclass
class ClipExamples:
    """A clip's clean frames and its cached examples (``prealign_data.load_examples``)."""

    name: str
    frames: Sequence[np.ndarray]
    arrays: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.arrays["target"])

    def hole(self, i: int) -> np.ndarray:
        return _unpacked(self.arrays["hole"][i], self.frames[0].shape[:2])

    def key_hole(self, i: int, j: int) -> np.ndarray:
        return _unpacked(self.arrays["key_hole"][i, j], self.frames[0].shape[:2])

    def weight(self, i: int) -> np.ndarray:
        """``(H, W)`` bool pixels whose truth is known (all, for clean footage)."""
        if "weight" not in self.arrays:  # examples cached before weights were stored: clean footage
            return np.ones(self.frames[0].shape[:2], bool)
        return _unpacked(self.arrays["weight"][i], self.frames[0].shape[:2])


class PrealignSamples(torch.utils.data.Dataset):
    """``samples[n]`` -> dict of small tensors (uint8 images, float16 flows); endless."""

    def __init__(self, clips: Sequence[ClipExamples], settings: CropSettings = CropSettings()) -> None:
        self.clips = [c for c in clips if len(c)]
        if not self.clips:
            raise ValueError("no cached examples to train on")
        self.settings = settings
        self.index = [(c, i) for c, clip in enumerate(self.clips) for i in range(len(clip))]

    def __len__(self) -> int:
        return 2**62

    @staticmethod
    def to_network_inputs(batch: dict[str, torch.Tensor], device: torch.device):
        """What the training loop calls on a batch of these samples (see the module function)."""
        return to_network_inputs(batch, device)

    def __getitem__(self, n: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.settings.seed, int(n)])
        c, i = self.index[int(rng.integers(len(self.index)))]
        return self.build(rng, self.clips[c], i)

    def build(self, rng: np.random.Generator, clip: ClipExamples, i: int) -> dict[str, torch.Tensor]:
        s = self.settings
        a = clip.arrays
        height, width = clip.frames[0].shape[:2]
        h, w = min(s.crop[0], height // FLOW_SCALE * FLOW_SCALE), min(s.crop[1], width // FLOW_SCALE * FLOW_SCALE)
        hole = clip.hole(i)
        y0, x0 = _crop_origin(rng, hole, (h, w))
        window = (slice(y0, y0 + h), slice(x0, x0 + w))
        small = (slice(y0 // FLOW_SCALE, (y0 + h) // FLOW_SCALE), slice(x0 // FLOW_SCALE, (x0 + w) // FLOW_SCALE))
        t = int(a["target"][i])
        picks = rng.choice(a["key_index"].shape[1], size=min(s.keyframes, a["key_index"].shape[1]),
                           replace=False)
        keys = [int(a["key_index"][i, j]) for j in picks]
        arrays = {
            "target_rgb": clip.frames[t][window],
            "hole": hole[window],
            "weight": clip.weight(i)[window],
            "prealigned": a["prealigned"][i][window],
            "confidence": a["confidence"][i][window],
            "key_rgb": np.stack([clip.frames[k][window] for k in keys]),
            "key_hole": np.stack([clip.key_hole(i, j)[window] for j in picks]),
            "flows": np.stack([_upsampled(a["flows"][i, j][small].astype(np.float32), (h, w)) for j in picks]),
            "consistency": np.stack([_upsampled(a["consistency"][i, j][small], (h, w)) for j in picks]),
        }
        if s.candidates:
            if "candidates" not in a:
                raise ValueError(f"the cached examples of {clip.name} have no flow-fill candidates "
                                 "(made before they were kept); delete the cache folder to remake them")
            arrays["candidates"] = a["candidates"][i][:, window[0], window[1]]
            arrays["candidate_counts"] = a["candidate_counts"][i][window]
        if s.flip and rng.random() < 0.5:
            arrays = mirrored(arrays)
        return as_tensors(arrays, consistency_scale=1)  # the cached consistency is 0..255 already


def to_network_inputs(batch: dict[str, torch.Tensor], device: torch.device):
    """A collated batch -> ``(target (B, 8, H, W), keyframes (B, T, 8, H, W), flows, consistency,
    truth (B, 3, H, W) 0..1, hole (B, 1, H, W), weight (B, 1, H, W))`` on ``device``, float32
    (the same contract as :func:`core.train.samples.to_network_inputs`)."""
    b = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    truth = b["target_rgb"].float() / 255
    hole = b["hole"].float()
    planes = candidate_planes(b["candidates"], b["candidate_counts"]) if "candidates" in b else None
    channels = 8 if planes is None else 8 + planes.shape[1]
    target = target_channels(truth, hole, b["prealigned"].float() / 255, b["confidence"].float() / 255,
                             channels=channels, candidates=planes)
    keyframes = keyframe_channels(b["key_rgb"].float() / 255, b["key_hole"].float(), channels=channels)
    return (target, keyframes, b["flows"].float(), b["consistency"].float() / 255, truth, hole,
            b["weight"].float())


def candidate_planes(candidates: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """``(B, K, 3, H, W)`` uint8 candidate colours (0 where none) and ``(B, 1, H, W)`` their counts
    -> ``(B, 4 K, H, W)`` float planes, as :meth:`core.fill.Prealigned.candidate_planes` lays
    them out (per candidate: RGB where found, found)."""
    k = candidates.shape[1]
    found = (torch.arange(k, device=counts.device).view(1, k, 1, 1, 1) < counts[:, None]).float()
    planes = torch.cat([candidates.float() / 255 * found, found], dim=2)
    return planes.flatten(1, 2)


def _crop_origin(rng, hole: np.ndarray, size: tuple[int, int]) -> tuple[int, int]:
    """Top-left of a crop of ``size`` (multiples of FLOW_SCALE) around a random hole pixel."""
    height, width = hole.shape
    h, w = size
    ys, xs = np.nonzero(hole)
    if len(ys):
        k = int(rng.integers(len(ys)))
        cy, cx = ys[k], xs[k]
        y = int(np.clip(cy - rng.integers(h // 4, 3 * h // 4 + 1), 0, height - h))
        x = int(np.clip(cx - rng.integers(w // 4, 3 * w // 4 + 1), 0, width - w))
    else:
        y, x = int(rng.integers(height - h + 1)), int(rng.integers(width - w + 1))
    return y // FLOW_SCALE * FLOW_SCALE, x // FLOW_SCALE * FLOW_SCALE


def _upsampled(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return cv2.resize(a, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)


def _unpacked(bits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.unpackbits(bits, count=size[0] * size[1]).reshape(size).astype(bool)
