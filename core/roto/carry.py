"""Carrying one keyframe's matte frame by frame along optical flow, with a confidence map.

From frame ``s`` to its neighbour ``t = s ± 1``, the matte is pulled backward through the flow on
``t``'s grid: ``matte_t(p) = matte_s(p + flow_ts(p))`` (bilinear, so the matte stays soft instead
of being re-thresholded every frame). The confidence starts at 1 on the keyframe and is carried the
same way, multiplied at every step by

- the *reliability* of ``flow_ts`` at ``p``: forward-backward consistency mapped so that pixels
  passing the occlusion test clearly count fully and occluded / disoccluded pixels (where the
  matte just read is a guess) count nothing, and
- a per-frame decay, because even consistent flow drifts: information from farther keyframes is
  older.

Once a pixel's confidence has dropped it stays low downstream (it is carried, not recomputed),
which is what fusing two keyframes needs: each side says where it still knows the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from core.flow import FlowField, warp
from core.progress import NEVER_CANCELLED, CancelToken

UNRELIABLE_CONSISTENCY = 0.25  # at or below: the flow says nothing (occlusion test failed clearly)
RELIABLE_CONSISTENCY = 0.75  # at or above: the flow is trusted fully (0.5 = the test's threshold)
CONFIDENCE_DECAY_PER_FRAME = 0.97


@dataclass
class CarriedMatte:
    """A keyframe's matte carried to ``frame``: both maps ``(H, W)`` float32 0..1."""

    frame: int
    matte: np.ndarray
    confidence: np.ndarray


def flow_reliability(consistency: np.ndarray) -> np.ndarray:
    """Forward-backward consistency 0..1 → how much the carried matte is trusted, 0..1."""
    span = RELIABLE_CONSISTENCY - UNRELIABLE_CONSISTENCY
    return np.clip((consistency - UNRELIABLE_CONSISTENCY) / span, 0.0, 1.0)


def carry_one_frame(carried: CarriedMatte, to_frame: int, flow: FlowField) -> CarriedMatte:
    """The matte and confidence of ``carried`` moved to the neighbouring frame ``to_frame``."""
    flow_to_source = flow.flow(to_frame, carried.frame)  # on to_frame's grid
    reliability = flow_reliability(flow.consistency(to_frame, carried.frame))
    matte = warp(carried.matte, flow_to_source, fill_value=0.0)
    confidence = warp(carried.confidence, flow_to_source, fill_value=0.0)
    confidence *= reliability * np.float32(CONFIDENCE_DECAY_PER_FRAME)
    return CarriedMatte(to_frame, np.clip(matte, 0.0, 1.0), confidence)


def carry_from_keyframe(
    keyframe: int,
    keyframe_mask: np.ndarray,
    stop: int,
    flow: FlowField,
    *,
    on_frame: Callable[[int], None] = lambda frame: None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[CarriedMatte]:
    """Yield the keyframe's matte carried to each frame from ``keyframe ± 1`` up to ``stop``.

    keyframe_mask: ``(H, W)`` uint8 0/255 (or a 0..255 matte).
    stop: the last frame to reach, inclusive; below ``keyframe`` walks backward in time.
    on_frame(frame) is called after each frame is carried (for progress); ``cancel`` is checked
    before each one.
    """
    step = 1 if stop >= keyframe else -1
    matte = keyframe_mask.astype(np.float32) * np.float32(1 / 255)
    carried = CarriedMatte(keyframe, matte, np.ones_like(matte))
    for frame in range(keyframe + step, stop + step, step):
        cancel.raise_if_cancelled()
        carried = carry_one_frame(carried, frame, flow)
        on_frame(frame)
        yield carried
