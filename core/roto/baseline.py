"""The comparison baseline for rotoscoping: warp a keyframe's mask forward along flow, nothing else.

No soft matte, no consistency, no second keyframe: every frame takes the binary mask of the most
recent keyframe before it (the first keyframe, when only one is painted) and warps it frame to
frame, re-thresholding each time. Frames before the first keyframe are warped backward from it.
It is what :func:`core.roto.propagate_masks` has to beat in the evaluation.
"""

from __future__ import annotations

import bisect
from typing import Callable, Iterable, Mapping

import numpy as np

from core.flow import FlowField, warp
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto.inputs import checked_frames, checked_keyframes


def warp_first_keyframe_masks(
    frame_of: Callable[[int], np.ndarray],
    frame_count: int,
    keyframes: Mapping[int, np.ndarray],
    *,
    flow: FlowField | None = None,
    frames: Iterable[int] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> dict[int, np.ndarray]:
    """``{frame: (H, W) uint8 0/255 mask}`` for ``frames`` (default all) by chained mask warping.

    Same inputs and errors as :func:`core.roto.propagate_masks`; keyframes are returned as painted.
    """
    flow = flow if flow is not None else FlowField(frame_of, frame_count)
    keyframe_masks = checked_keyframes(keyframes, frame_count, flow.frame_size)
    wanted = checked_frames(frames, frame_count)
    ordered = sorted(keyframe_masks)
    sources: dict[int, list[int]] = {}  # keyframe -> the wanted frames it is warped to
    for frame in wanted:
        if frame not in keyframe_masks:
            position = bisect.bisect_right(ordered, frame)
            sources.setdefault(ordered[position - 1] if position > 0 else ordered[0], []).append(frame)
    total = sum(max(abs(f - k) for f in fs) for k, fs in sources.items())
    done = 0
    results = {f: keyframe_masks[f].copy() for f in wanted if f in keyframe_masks}
    for keyframe, targets in sources.items():
        for direction_targets in ([f for f in targets if f > keyframe], [f for f in targets if f < keyframe]):
            if not direction_targets:
                continue
            step = 1 if direction_targets[0] > keyframe else -1
            last = max(direction_targets) if step == 1 else min(direction_targets)
            wanted_here = set(direction_targets)
            mask = keyframe_masks[keyframe]
            for frame in range(keyframe + step, last + step, step):
                cancel.raise_if_cancelled()
                warped = warp(mask.astype(np.float32), flow.flow(frame, frame - step))
                mask = (warped >= 127.5).astype(np.uint8) * np.uint8(255)
                if frame in wanted_here:
                    results[frame] = mask
                done += 1
                progress(done, total, f"Warping masks: frame {frame}")
    return dict(sorted(results.items()))
