"""Carrying one keyframe's matte frame by frame along the object's own motion, with a confidence map.

Warping a matte through the raw optical flow of each pixel fails in two ways that wreck masks within
a few frames: where the target frame shows background that the object covered in the source
(disocclusion), the pulled matte copies the object into it (streaks trailing the object); and thin
parts (wheel rims, a racket) get the flow of the background seen around them and are left behind.

So the matte is moved by the *object's* motion instead: from frame ``s`` to its neighbour ``t``,
the forward flow ``flow_st`` is averaged over the object's interior (its mask eroded by
``INTERIOR_MARGIN_PX``, weighted by flow reliability) with a normalised Gaussian of
``MOTION_SIGMA_PX``: a smooth field that follows articulated parts (an arm, a leg) but that no
background pixel, occluder or disocclusion contributes to. The field is inverted (fixed point)
to pull the matte onto ``t``'s grid, so the result has no holes and no streaks.

The confidence starts at 1 on the keyframe and is carried the same way, multiplied at every step by
the *reliability* of the flow on ``t``'s grid (forward-backward consistency mapped so that pixels
passing the occlusion test clearly count fully and occluded / disoccluded pixels count nothing) and
by a per-frame decay, because even consistent flow drifts. Fusing two keyframes uses it: each side
says where it still knows the answer.

On a clip wider than the flow's working grid the smooth field is averaged and inverted on that grid,
where the flow was computed (at full resolution it would only be the working flow interpolated, and
the whole-frame blurs and warps were a quarter of rotoscoping's time at 1080p), then upsampled; the
matte and its confidence are pulled at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import cv2
import numpy as np

from core.flow import FlowField, resize_flow, warp
from core.progress import NEVER_CANCELLED, CancelToken

UNRELIABLE_CONSISTENCY = 0.25  # at or below: the flow says nothing (occlusion test failed clearly)
RELIABLE_CONSISTENCY = 0.75  # at or above: the flow is trusted fully (0.5 = the test's threshold)
CONFIDENCE_DECAY_PER_FRAME = 0.97
MOTION_SIGMA_PX = 8.0  # reach of the object-motion average: smaller follows limbs, larger is steadier
INTERIOR_MARGIN_PX = 5  # object pixels this close to the edge see background in their flow patch
_INVERSION_STEPS = 3  # fixed-point iterations inverting the smooth field (converges in 2-3)



@dataclass
class CarriedMatte:
    """A keyframe's matte carried to ``frame``: both maps ``(H, W)`` float32 0..1."""

    frame: int
    matte: np.ndarray
    confidence: np.ndarray


Refiner = Callable[[CarriedMatte], np.ndarray]
"""``refine(carried) -> matte``: re-anchors a carried matte (``(H, W)`` float32 0..1)."""


def flow_reliability(consistency: np.ndarray) -> np.ndarray:
    """Forward-backward consistency 0..1 → how much the carried matte is trusted, 0..1."""
    span = RELIABLE_CONSISTENCY - UNRELIABLE_CONSISTENCY
    return np.clip((consistency - UNRELIABLE_CONSISTENCY) / span, 0.0, 1.0)


def object_motion(matte: np.ndarray, flow_st: np.ndarray, reliability_st: np.ndarray, *,
                  scale: float = 1.0) -> np.ndarray:
    """The object's smooth motion field from ``s`` to ``t``: ``(H, W, 2)`` float32 px on ``s``'s grid.

    matte: ``(H, W)`` float32 0..1 on ``s``; flow_st: ``(H, W, 2)`` px; reliability_st: 0..1 of
    ``flow_st``. Away from the object the field extends the motion of its nearest parts.
    When the object has no reliable interior (tiny or fully occluded) the whole mask is used.
    scale: grid pixels per full-resolution pixel (below 1 on the working grid): the margin and the
    reach, in full-resolution pixels, are scaled with it.
    """
    mask = (matte >= 0.5).astype(np.uint8)
    size = 2 * max(1, int(np.ceil(INTERIOR_MARGIN_PX * scale))) + 1
    interior = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    weight = interior.astype(np.float32) * reliability_st
    if weight.sum() < 20 * scale * scale:
        weight = mask.astype(np.float32) + np.float32(1e-4)
    weighted = cv2.GaussianBlur(flow_st * weight[..., None], (0, 0), MOTION_SIGMA_PX * scale)
    total = cv2.GaussianBlur(weight, (0, 0), MOTION_SIGMA_PX * scale)
    return weighted / np.maximum(total, np.float32(1e-6))[..., None]


def invert_smooth_field(field_st: np.ndarray) -> np.ndarray:
    """``flow_ts`` on ``t``'s grid of a smooth ``flow_st``: solves ``b(q) = -field(q + b(q))``."""
    backward = -field_st
    for _ in range(_INVERSION_STEPS):
        backward = -warp(field_st, backward)
    return backward


def carry_one_frame(carried: CarriedMatte, to_frame: int, flow: FlowField) -> CarriedMatte:
    """The matte and confidence of ``carried`` moved to the neighbouring frame ``to_frame``."""
    source = carried.frame
    if flow.working_size != flow.frame_size:
        pull = _pull_on_working_grid(carried.matte, source, to_frame, flow)
    else:
        reliability = flow_reliability(flow.consistency(source, to_frame))
        motion = object_motion(carried.matte, flow.flow(source, to_frame), reliability)
        pull = invert_smooth_field(motion)  # on to_frame's grid
    matte = warp(carried.matte, pull, fill_value=0.0)
    confidence = warp(carried.confidence, pull, fill_value=0.0)
    confidence *= flow_reliability(flow.consistency(to_frame, source)) * np.float32(CONFIDENCE_DECAY_PER_FRAME)
    return CarriedMatte(to_frame, np.clip(matte, 0.0, 1.0), confidence)


def _pull_on_working_grid(matte: np.ndarray, source: int, to_frame: int, flow: FlowField) -> np.ndarray:
    """The pull field of :func:`carry_one_frame` made on the flow's working grid and upsampled to
    ``to_frame``'s full-resolution grid: ``(H, W, 2)`` float32 full-resolution pixels."""
    working = flow.working_size
    reliability = flow_reliability(flow.working_consistency(source, to_frame))
    small = cv2.resize(matte, working, interpolation=cv2.INTER_AREA)
    motion = object_motion(small, flow.working_flow(source, to_frame), reliability,
                           scale=working[0] / flow.frame_size[0])
    return resize_flow(invert_smooth_field(motion), flow.frame_size)


def carry_from_keyframe(
    keyframe: int,
    keyframe_mask: np.ndarray,
    stop: int,
    flow: FlowField,
    *,
    refine: Refiner | None = None,
    on_frame: Callable[[int], None] = lambda frame: None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[CarriedMatte]:
    """Yield the keyframe's matte carried to each frame from ``keyframe ± 1`` up to ``stop``.

    keyframe_mask: ``(H, W)`` uint8 0/255 (or a 0..255 matte).
    stop: the last frame to reach, inclusive; below ``keyframe`` walks backward in time.
    refine(carried): applied to each carried matte before it is yielded and carried on (the
    re-anchoring of :mod:`core.roto.background_cue`); None carries the flow's matte as is.
    on_frame(frame) is called after each frame is carried (for progress); ``cancel`` is checked
    before each one.
    """
    step = 1 if stop >= keyframe else -1
    matte = keyframe_mask.astype(np.float32) * np.float32(1 / 255)
    carried = CarriedMatte(keyframe, matte, np.ones_like(matte))
    for frame in range(keyframe + step, stop + step, step):
        cancel.raise_if_cancelled()
        carried = carry_one_frame(carried, frame, flow)
        if refine is not None:
            carried = CarriedMatte(frame, refine(carried), carried.confidence)
        on_frame(frame)
        yield carried
