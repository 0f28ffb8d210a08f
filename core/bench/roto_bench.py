"""Rotoscoping speed: seconds per propagated frame at 432x240 and 854x480.

The bundled sample (bmx-trees, 80 frames at 432x240) with its keyframe masks (0, 20, 40, 60, 79)
is propagated to every other frame; for 854x480 the frames and masks are scaled up first. Flow
is computed inside the timing (nothing cached beforehand), as a user's first propagation does.
Methods: ``classical`` (clip refiner off), ``clip refiner`` (the default: the refiner is trained
once from the keyframes, timed apart as ``training_seconds``, then applied to every frame),
``clip refiner, keyframe added`` (the same after a propagation without the last keyframe: the
refiner starts from the one trained then, the warm start a user gets when adding or correcting a
keyframe) and, with a rotoscoping model, ``learned correction`` (the model alone, refiner off).
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

SIZES = ((432, 240), (854, 480))


def roto_speed(clip: Path, keyframe_folder: Path, *, matte_model=None, frames: int = 80,
               refine_steps: int | None = None) -> list[dict]:
    """One row per (size, method): ``{"size", "method", "frames", "seconds_per_frame",
    "training_seconds"}`` (training: the clip refiner's, once per propagation; 0 for the others)."""
    from core.flow import FlowField
    from core.masks import read_mask_folder
    from core.roto import RotoOptions, propagate_masks
    from core.roto.clip_refiner import forget_refiners, train_clip_refiner
    from core.roto.options import refine_steps as default_steps
    from core.video import open_clip

    with open_clip(clip) as reader:
        info = reader.info
        source = [reader.frame(i) for i in range(min(frames, info.frame_count))]
        keyframes = {k: m for k, m in read_mask_folder(keyframe_folder, info).items() if k < len(source)}
    steps = default_steps(refine_steps)
    methods = {"classical": (None, 0), "clip refiner": (None, steps), "clip refiner, keyframe added": (None, steps)}
    if matte_model is not None:
        methods["learned correction"] = (matte_model, 0)
    before_last = {k: m for k, m in keyframes.items() if k != max(keyframes)}
    rows = []
    for size in SIZES:
        scaled = [_at(f, size, cv2.INTER_AREA) for f in source]
        masks = {k: _at(m, size, cv2.INTER_NEAREST) for k, m in keyframes.items()}
        for name, (model, method_steps) in methods.items():
            flow = FlowField(scaled.__getitem__, len(scaled))
            forget_refiners()
            if name.endswith("keyframe added") and before_last:  # the earlier propagation's refiner
                train_clip_refiner(scaled.__getitem__, {k: masks[k] for k in before_last}, flow, steps=method_steps)
            started = time.perf_counter()
            training = 0.0
            if method_steps:  # trained apart (and cached), so the per-frame time is the rest
                train_clip_refiner(scaled.__getitem__, masks, flow, steps=method_steps)
                training = time.perf_counter() - started
            results = propagate_masks(scaled.__getitem__, len(scaled), masks, flow=flow,
                                      options=RotoOptions(matte_model=model, refine_steps=method_steps))
            seconds = time.perf_counter() - started - training
            propagated = sum(1 for r in results.values() if not r.is_keyframe)
            rows.append({"size": size, "method": name, "frames": propagated,
                         "seconds_per_frame": seconds / max(1, propagated), "training_seconds": training})
    return rows


def _at(image: np.ndarray, size: tuple[int, int], interpolation: int) -> np.ndarray:
    return image if image.shape[1::-1] == size else cv2.resize(image, size, interpolation=interpolation)
