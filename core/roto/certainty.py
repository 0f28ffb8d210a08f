"""How sure the propagation is of each frame, so the editor knows where the next keyframe pays most.

A propagated frame's certainty (0..1) is the product of three measures, each 0..1:

- **flow**: how much the carried flow is still trusted over the object (forward-backward
  consistency carried from the keyframe, decaying per frame: :mod:`core.roto.carry`);
- **agreement**: between two keyframes, how much the mattes carried from either side agree
  (IoU of their masks; 1 with one side only). Where they disagree, one of them is wrong;
- **margin**: how decisively the final matte says object or background near its outline (mean
  ``|2 m - 1|`` within :data:`MARGIN_BAND_PX` of it): a soft, undecided outline is a guess.

And a frame whose mask changes abruptly against both its neighbours (area or shape, while the
neighbours agree with each other) is flagged (:func:`abrupt_frames`): a leak that comes and goes,
a limb lost for one frame.
"""

from __future__ import annotations

from typing import Mapping

import cv2
import numpy as np

from core.roto.matte_ops import MASK_THRESHOLD

MARGIN_BAND_PX = 3  # pixels each side of the outline whose decisiveness counts
ABRUPT_AREA_CHANGE = 0.25  # area off the neighbours' mean by more than this fraction...
NEIGHBOUR_AREA_AGREEMENT = 0.10  # ...while the neighbours' areas are this close
ABRUPT_IOU_DROP = 0.15  # or IoU with each neighbour this far under the neighbours' own IoU
ABRUPT_PENALTY = 0.5  # a flagged frame's certainty is multiplied by this


def side_agreement(left: np.ndarray, right: np.ndarray) -> float:
    """IoU of the masks of two mattes ``(H, W)`` (float 0..1 or uint8 0..255); 1 when both are empty."""
    a, b = _on(left), _on(right)
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def outline_margin(matte: np.ndarray) -> float:
    """Mean ``|2 m - 1|`` of the matte ``(H, W)`` float32 0..1 within :data:`MARGIN_BAND_PX` of its
    outline: 1 = a hard, decided edge; 0 = every pixel near the edge at 0.5. 1 with no outline."""
    inside = (matte >= MASK_THRESHOLD).astype(np.uint8)
    if not inside.any() or inside.all():
        return 1.0
    size = 2 * MARGIN_BAND_PX + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    band = cv2.morphologyEx(inside, cv2.MORPH_GRADIENT, kernel) > 0
    return float(np.abs(2.0 * matte[band] - 1.0).mean())


def abrupt_frames(masks: Mapping[int, np.ndarray]) -> list[int]:
    """Frames whose mask changes abruptly against both neighbouring frames, sorted.

    masks: ``{frame: (H, W) mask}`` (uint8 0/255 or float 0..1), keyframes included.
    A frame with masks on both neighbouring frames is flagged when its area is more than
    :data:`ABRUPT_AREA_CHANGE` off their mean while they are within
    :data:`NEIGHBOUR_AREA_AGREEMENT` of each other, or when its IoU with each of them is more than
    :data:`ABRUPT_IOU_DROP` under theirs with each other.
    """
    flagged = []
    for frame in sorted(masks):
        before, after = masks.get(frame - 1), masks.get(frame + 1)
        if before is None or after is None:
            continue
        mask, before, after = _on(masks[frame]), _on(before), _on(after)
        area, area_before, area_after = (np.count_nonzero(m) for m in (mask, before, after))
        mean = (area_before + area_after) / 2
        if mean == 0:
            continue
        neighbours_agree = abs(area_before - area_after) <= NEIGHBOUR_AREA_AGREEMENT * mean
        if neighbours_agree and abs(area - mean) > ABRUPT_AREA_CHANGE * mean:
            flagged.append(frame)
            continue
        between = _iou(before, after)
        if max(_iou(mask, before), _iou(mask, after)) < between - ABRUPT_IOU_DROP:
            flagged.append(frame)
    return flagged


def frame_certainty(confidence: Mapping[int, float], masks: Mapping[int, np.ndarray]) -> dict[int, float]:
    """``{frame: certainty 0..1}`` of propagated frames: their ``confidence`` (the product above,
    as :class:`~core.roto.results.RotoResult` carries it), times :data:`ABRUPT_PENALTY` where
    :func:`abrupt_frames` flags the frame. ``masks`` may include keyframes (as neighbours)."""
    flagged = set(abrupt_frames(masks))
    return {f: float(c) * (ABRUPT_PENALTY if f in flagged else 1.0) for f, c in confidence.items()}


def least_certain_frame(certainty: Mapping[int, float]) -> int | None:
    """The frame with the lowest certainty (the earliest of ties); None when there is none."""
    if not certainty:
        return None
    return min(sorted(certainty), key=lambda frame: certainty[frame])


def _on(matte: np.ndarray) -> np.ndarray:
    return matte >= (128 if matte.dtype == np.uint8 else MASK_THRESHOLD)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union
