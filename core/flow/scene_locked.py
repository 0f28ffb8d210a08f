"""Holes that no frame of the clip ever shows behind: the case of a singer before a brick wall.

The removal eval's usual holes are other sequences' *moving* objects: as they move, the frames
around a target reveal most of what they hide, and the flow fill carries it. An editor's hardest
clip is the other kind: an object that stays put in the scene (a person singing in front of a wall
the camera never sees), so no frame shows the background behind it and everything inside the hole
must be synthesised.

:func:`scene_locked_masks` makes that case from any clip with known truth: one silhouette, fixed
to the *scene*. It is placed in the clip's middle frame and carried to every other frame by the
background's motion (the homography of each neighbouring pair's DIS flow, the clip's own object
left out of the fit, chained outward from the middle), so it follows the camera's pans and zooms
and the wall behind it stays hidden in every frame: the flow fill has nothing to carry there.
Where the clip has its own object masks, the silhouette is placed where it covers the least of
that object over the clip (a removed object hides background, not the subject walking by). The
truth is the clip's own frames, so PSNR inside the hole says how well a method invents it.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from core.flow.dis_flow import compute_flow
from core.flow.homography import background_homography


def scene_locked_masks(frames: Sequence[np.ndarray], silhouette: np.ndarray,
                       objects: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """``silhouette`` (``(H, W)`` uint8 0/255, its shape in the middle frame) carried to every
    frame of ``frames`` (``(H, W, 3)`` uint8 RGB) with the background: ``(H, W)`` uint8 0/255 masks.

    objects: the clip's own object mask per frame (nonzero: left out of the background's fit, and
    the silhouette is moved to where it covers the least of it), or ``None`` when the clip has none.
    """
    count = len(frames)
    middle = count // 2
    height, width = silhouette.shape
    to_frame = {middle: np.eye(3)}  # homography: middle frame's pixels -> frame t's pixels
    for t in range(middle, count - 1):  # forwards
        to_frame[t + 1] = _step(frames, objects, t, t + 1) @ to_frame[t]
    for t in range(middle, 0, -1):  # backwards
        to_frame[t - 1] = _step(frames, objects, t, t - 1) @ to_frame[t]
    chain = [to_frame[t] for t in range(count)]
    if objects is not None:
        silhouette = _off_the_object(silhouette, chain, objects)
    return [cv2.warpPerspective(silhouette, h, (width, height), flags=cv2.INTER_NEAREST) for h in chain]


def _off_the_object(silhouette: np.ndarray, chain: list[np.ndarray],
                    objects: Sequence[np.ndarray]) -> np.ndarray:
    """``silhouette`` moved (in the middle frame) to where, carried along ``chain``, it covers the
    least of the clip's own object: the hole hides background, as a removed object's does, not the
    clip's subject walking through it. It stays whole in the middle frame; a place where the camera
    takes it out of other frames costs half of what it loses there."""
    height, width = silhouette.shape
    ys, xs = np.nonzero(silhouette)
    if len(ys) == 0:
        return silhouette
    area = len(ys)
    shifts = [(0.0, 0.0)] + [(dy, dx) for dy in np.linspace(-ys.min(), height - 1 - ys.max(), 5).round()
                             for dx in np.linspace(-xs.min(), width - 1 - xs.max(), 9).round()]
    best, best_cost = silhouette, None
    for dy, dx in shifts:  # where it is first: it stays unless another place covers less
        moved = cv2.warpAffine(silhouette, np.float32([[1, 0, dx], [0, 1, dy]]), (width, height),
                               flags=cv2.INTER_NEAREST)
        cost = 0
        for h, o in zip(chain[::4], objects[::4]):
            carried = cv2.warpPerspective(moved, h, (width, height), flags=cv2.INTER_NEAREST) > 0
            cost += int((carried & (o > 0)).sum()) + max(0, area - int(carried.sum())) // 2
        if best_cost is None or cost < best_cost:
            best, best_cost = moved, cost
    return best


def _step(frames, objects, a: int, b: int) -> np.ndarray:
    """The background's homography from frame ``a`` to frame ``b``."""
    flow = compute_flow(frames[a], frames[b], working_width=None)
    excluded = objects[a] > 0 if objects is not None else np.zeros(flow.shape[:2], bool)
    return background_homography(flow, excluded)
