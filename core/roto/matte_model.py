"""The learned correction of propagated mattes: the paper's network with mask logits out.

The classical propagation (:mod:`core.roto.propagate`) carries each keyframe's matte along the
object's motion; it drifts where the flow is wrong (occlusions, thin parts, fast motion). The
keyframe propagation network (:mod:`core.model`, ``output="mask_logits"``) corrects it: the
target is the frame's RGB plus the carried *prior* matte, the keyframes are the segment's
keyframes (RGB plus their painted masks), and the deformable write pulls keyframe features along
the flow target -> keyframe, weighted by forward-backward consistency. The network's output is
added to the prior's logit, so a model that has learned nothing returns the prior unchanged.

The network runs at a working size (width at most :data:`WORKING_WIDTH`, the size it was
trained at); its correction is upsampled and added to the full-resolution prior's logit.

Where the model is looked for: ``path``, else ``$KEYFILL_ROTO_MODEL``, else
``resources/models/keyfill-roto.pt`` (the registry's :data:`core.model.weights.ROTOSCOPING`).
"""

from __future__ import annotations

import os
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
import torch

from core.errors import ModelError
from core.flow import resize_flow
from core.model.weights import ROTOSCOPING, LoadedWeights, load_weights
from core.resize import resized

ROTO_MODEL_ENV = ROTOSCOPING.env
DEFAULT_ROTO_MODEL_PATH = ROTOSCOPING.file
WORKING_WIDTH = 432  # the training clips' width: the network sees objects at the scale it learned
KEYFRAME_SLOTS = 2  # the previous and the next keyframe; one-sided frames repeat their keyframe
PRIOR_CLAMP = 0.02  # prior mattes are clamped to [c, 1 - c] before the logit (|logit| <= 3.9)
BAND_PX = 24  # the correction fades out this far (working pixels) from the prior's outline


def roto_model_path(path: str | os.PathLike | None = None) -> Path:
    """Where the rotoscoping model is looked for: ``path``, else ``$KEYFILL_ROTO_MODEL``, else the default."""
    return ROTOSCOPING.path(path)


def prior_logit(prior: np.ndarray) -> np.ndarray:
    """``log(p / (1 - p))`` of a 0..1 matte, clamped to :data:`PRIOR_CLAMP`."""
    p = np.clip(prior.astype(np.float32), PRIOR_CLAMP, 1 - PRIOR_CLAMP)
    return np.log(p / (1 - p))


def correction_band(prior: np.ndarray, band_px: float = BAND_PX) -> np.ndarray:
    """Where the network may correct the prior: 1 on its outline, fading linearly to 0 at
    ``band_px`` pixels inside or outside (float32, the prior's size). Keeps a correction
    local: a network that misreads an unfamiliar object can move its edges, not erase it."""
    inside = (prior >= 0.5).astype(np.uint8)
    if not inside.any():  # nothing carried: nothing to correct
        return np.zeros(prior.shape, np.float32)
    distance = np.where(inside > 0, cv2.distanceTransform(inside, cv2.DIST_L2, 3),
                        cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3))
    return np.clip(1.0 - distance / band_px, 0.0, 1.0).astype(np.float32)


def working_frame_size(width: int, height: int) -> tuple[int, int]:
    """``(w, h)`` the network runs at for a ``width x height`` clip."""
    if width <= WORKING_WIDTH:
        return width, height
    return WORKING_WIDTH, max(8, round(height * WORKING_WIDTH / width))


@dataclass
class MatteKeyframe:
    """One keyframe as the network sees it, on the working grid: RGB, mask 0/1, the flow from
    the target to it (working pixels) and that flow's forward-backward consistency (0..1)."""

    rgb: np.ndarray
    mask: np.ndarray
    flow: np.ndarray
    consistency: np.ndarray


def network_inputs(rgb: np.ndarray, prior: np.ndarray, keyframes: Sequence[MatteKeyframe]):
    """Arrays for one target: ``target (4, h, w)``, ``keyframes (T, 4, h, w)``, ``flows
    (T, 2, h, w)``, ``consistency (T, 1, h, w)``, float32; ``T`` = :data:`KEYFRAME_SLOTS`
    (a single keyframe is repeated). ``rgb`` uint8 RGB and ``prior`` 0..1, working size."""
    if not keyframes:
        raise ValueError("the matte model needs at least one keyframe")
    slots = list(keyframes)[:KEYFRAME_SLOTS]
    while len(slots) < KEYFRAME_SLOTS:
        slots.append(slots[0])
    target = np.concatenate([_chw(rgb), prior[None].astype(np.float32)])
    keys = np.stack([np.concatenate([_chw(k.rgb), k.mask[None].astype(np.float32)]) for k in slots])
    flows = np.stack([k.flow.transpose(2, 0, 1) for k in slots]).astype(np.float32)
    consistency = np.stack([k.consistency[None] for k in slots]).astype(np.float32)
    return target, keys, flows, consistency


class MatteModel:
    """A loaded rotoscoping network; :meth:`refine` corrects one frame's prior matte."""

    def __init__(self, model, device, path: Path, extra: dict) -> None:
        self.model, self.device, self.path, self.extra = model, device, path, extra
        self.band_px = float(extra.get("band_px", BAND_PX))  # the band it was trained with
        self._lock = threading.Lock()  # one forward pass at a time (shared by worker threads)
        self._memory: tuple[int, object] | None = None  # (digest, KeyframeMemory) of the last keyframes
        self.seconds = 0.0  # wall time spent in refine(), all calls together (what the network costs)

    def refine(self, frame: int, prior: np.ndarray, keyframes: Sequence[int],
               keyframe_masks: dict[int, np.ndarray], frame_of: Callable[[int], np.ndarray],
               flow) -> np.ndarray:
        """The corrected matte (float32 0..1, full size) of ``frame`` from its carried ``prior``
        (float 0..1) and its neighbouring ``keyframes`` (frame indices with painted masks).
        ``flow`` is the clip's :class:`core.flow.FlowField`."""
        started = time.perf_counter()
        height, width = prior.shape
        size = working_frame_size(width, height)
        rgb = resized(frame_of(frame), size, cv2.INTER_AREA)
        small_prior = resized(prior.astype(np.float32), size, cv2.INTER_LINEAR)
        keys = [MatteKeyframe(
            resized(frame_of(k), size, cv2.INTER_AREA),
            resized((keyframe_masks[k] > 0).astype(np.float32), size, cv2.INTER_LINEAR),
            resize_flow(flow.flow(frame, k), size).astype(np.float32),
            resized(flow.consistency(frame, k), size, cv2.INTER_LINEAR),
        ) for k in keyframes]
        correction = self.correction(rgb, small_prior, keys) * correction_band(small_prior, self.band_px)
        if correction.shape != prior.shape:
            correction = cv2.resize(correction, (width, height), interpolation=cv2.INTER_LINEAR)
        corrected = 1.0 / (1.0 + np.exp(-(prior_logit(prior) + correction)))
        self.seconds += time.perf_counter() - started
        return corrected

    def correction(self, rgb: np.ndarray, prior: np.ndarray, keyframes: Sequence[MatteKeyframe]) -> np.ndarray:
        """The network's logit correction ``(h, w)`` float32 at the working size."""
        arrays = network_inputs(rgb, prior, keyframes)
        target, keys, flows, consistency = (torch.from_numpy(a)[None].to(self.device) for a in arrays)
        digest = zlib.crc32(arrays[1].tobytes())  # the keyframes' pixels and masks
        with self._lock, torch.inference_mode():
            if self._memory is None or self._memory[0] != digest:
                # keyframes do not depend on the target: encoded once for a whole segment
                self._memory = (digest, self.model.encode_keyframes(keys))
            out = self.model.propagate(target, self._memory[1], flows, consistency)
        return out[0, 0].float().cpu().numpy()


def load_matte_model(path: str | os.PathLike | None = None, *, device: str = "auto") -> MatteModel:
    """Load the rotoscoping network. Raises :class:`ModelError` for a missing, corrupt or foreign
    checkpoint (one that does not give mask logits from RGB + prior matte)."""
    return load_weights(ROTOSCOPING, path, device=device, wrap=_matte_model)


def _matte_model(loaded: LoadedWeights) -> MatteModel:
    return MatteModel(loaded.model, loaded.device, loaded.path, loaded.extra)


def find_matte_model(path: str | os.PathLike | None = None, *, device: str = "auto",
                     notice: Callable[[str], None] = lambda message: None) -> MatteModel | None:
    """Like :func:`load_matte_model`, but a problem becomes ``notice(...)`` and ``None``: the
    classical propagation alone is used."""
    try:
        return load_matte_model(path, device=device)
    except ModelError as exc:
        notice(f"{str(exc).rstrip('.')}. Propagating masks without the learned correction.")
        return None


def _chw(rgb: np.ndarray) -> np.ndarray:
    return rgb.transpose(2, 0, 1).astype(np.float32) / 255.0
