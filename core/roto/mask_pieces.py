"""Pieces of a mask that do not belong to the object: islands and speckles on the background.

A propagated mask may only change near the object it carried: the frame's background difference
and the clip refiner can move the outline, but a piece of mask standing alone on the wall (noise
on a brick edge, a texture the refiner took for the object) is a leak. Left in, it widens the band
in which the next frame may add pixels, feeds on its own evidence and grows frame after frame; and
once removed from the shot it shows as a dotted halo that changes every frame.
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
