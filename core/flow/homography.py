"""The background's motion between two frames as one homography, fitted to their optical flow.

Used where the far background is what matters: the classical fill aligns distant source frames by
chaining these between neighbours (``core.fill.background_motion``), and rotoscoping compares a
frame with its aligned neighbours to see the object (``core.roto.background_cue``).
"""

from __future__ import annotations

import cv2
import numpy as np

FIT_STRIDE_PX = 4  # the flow is sampled every this many pixels for the fit
RANSAC_PX = 1.0  # reprojection error (pixels) under which a sample counts as background


def background_homography(flow_ab: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """The homography (3x3) that best explains ``flow_ab`` (``(H, W, 2)`` px) outside ``excluded``.

    excluded: ``(H, W)`` bool, pixels left out of the fit (the object, holes). Identity when too
    few pixels are left or RANSAC finds none.
    """
    height, width = excluded.shape
    ys, xs = np.mgrid[0:height:FIT_STRIDE_PX, 0:width:FIT_STRIDE_PX]
    keep = ~excluded[ys, xs]
    source = np.stack([xs[keep], ys[keep]], axis=1).astype(np.float32)
    if len(source) < 8:
        return np.eye(3)
    target = source + flow_ab[ys[keep], xs[keep]]
    homography, _ = cv2.findHomography(source, target, cv2.RANSAC, RANSAC_PX)
    return homography if homography is not None else np.eye(3)


def apply_homography(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``points`` ``(n, 2)`` (x, y) mapped by ``homography``: ``(n, 2)`` float32 (far off-frame
    where the mapping is undefined)."""
    mapped = np.concatenate([points, np.ones((len(points), 1), points.dtype)], axis=1) @ homography.T
    with np.errstate(divide="ignore", invalid="ignore"):
        result = mapped[:, :2] / mapped[:, 2:3]
    return np.nan_to_num(result, nan=-1e6, posinf=-1e6, neginf=-1e6).astype(np.float32)


def working_to_full_resolution(homography: np.ndarray, frame_size: tuple[int, int],
                               working_size: tuple[int, int]) -> np.ndarray:
    """A homography between pixels of the working grid ``working_size = (w, h)`` as one between
    pixels of the ``frame_size = (W, H)`` frames, pixel centres aligned as ``cv2.resize`` aligns them."""
    scale_x, scale_y = working_size[0] / frame_size[0], working_size[1] / frame_size[1]
    to_working = np.array([[scale_x, 0, 0.5 * scale_x - 0.5], [0, scale_y, 0.5 * scale_y - 0.5], [0, 0, 1.0]])
    return np.linalg.inv(to_working) @ homography @ to_working
