"""Pieces of a mask that do not belong to the object: islands and speckles on the background.

A propagated mask may only change near the object it carried: the frame's background difference
and the clip refiner can move the outline, but a piece of mask standing alone on the wall (noise
on a brick edge, a texture the refiner took for the object) is a leak. Left in, it widens the band
in which the next frame may add pixels, feeds on its own evidence and grows frame after frame; and
once removed from the shot it shows as a dotted halo that changes every frame.

The other way round, when the two keyframes' sides are fused, a side that carries nothing near the
other side's whole object must not erase it (:func:`object_missed_by`).
"""

from __future__ import annotations

import cv2
import numpy as np

from core.roto.matte_ops import MASK_THRESHOLD

DETACHED_CEILING = np.float32(0.49)  # a cleared pixel keeps its softness, just under the threshold


def without_detached_pieces(matte: np.ndarray, anchor: np.ndarray, anchor_at: float = MASK_THRESHOLD) -> np.ndarray:
    """``matte`` with the pieces of its mask that do not touch ``anchor``'s mask cleared.

    matte, anchor: ``(H, W)`` float32 0..1 (the anchor: the matte the object was carried as).
    A piece (8-connected) is kept when any of its pixels has ``anchor >= anchor_at``; the pixels of
    the others are lowered to just under the threshold. Returns ``matte`` itself when nothing is
    cleared, else a float32 copy.
    """
    mask = (matte >= MASK_THRESHOLD).astype(np.uint8)
    count, labels = cv2.connectedComponents(mask, connectivity=8)
    if count <= 1:
        return matte
    attached = np.zeros(count, bool)
    attached[np.unique(labels[(anchor >= anchor_at) & (mask > 0)])] = True
    attached[0] = True
    detached = ~attached[labels]
    if not detached.any():
        return matte
    result = matte.astype(np.float32, copy=True)
    result[detached] = np.minimum(result[detached], DETACHED_CEILING)
    return result


FUSION_REACH_PX = 10  # a side whose mask comes this close to the other side's object sees it


def object_missed_by(own: np.ndarray, other: np.ndarray, reach_px: int = FUSION_REACH_PX) -> np.ndarray:
    """bool ``(H, W)``: the largest piece of ``own``'s mask when ``other``'s mask comes nowhere
    within ``reach_px`` of it and is smaller than it in all (all False otherwise).

    own, other: ``(H, W)`` float32 0..1, the mattes carried to one frame from the keyframes on
    either side. A side that carries less object, and none of it near where the other carries
    its whole object, has not seen that object go: its keyframe may show it hidden behind
    something, or it lost it on the way. Only the largest piece counts: a smaller piece of one
    side that the other side does not reach is as often a leak onto a tree or a shadow, which the
    other side rightly votes away; and of two sides carrying objects apart, the one with more
    object is kept (the other side's piece is what a keyframe showing the object half hidden
    carries, and the usual blend decides it).
    """
    nothing = np.zeros(own.shape, bool)
    mask = (own >= MASK_THRESHOLD).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return nothing
    piece = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    other_mask = (other >= MASK_THRESHOLD).astype(np.uint8)
    if np.count_nonzero(other_mask) >= stats[piece, cv2.CC_STAT_AREA]:
        return nothing
    largest = labels == piece
    size = 2 * reach_px + 1
    reach = cv2.dilate(other_mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
    return nothing if (reach & largest).any() else largest
