"""The box of a frame where a carried object's matte can change: the work of the re-anchoring
(:mod:`core.roto.background_cue`) is done there only, so its cost follows the object's size, not
the frame's (an object covering a few percent of a 1080p frame: docs/benchmarks.md).

Boxes are ``(rows, columns)`` slice pairs, usable as ``image[box]``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

Box = tuple[slice, slice]


def grown_mask_box(matte: np.ndarray, margin: int) -> Box | None:
    """The box around ``matte >= 0.5`` grown by ``margin`` pixels on every side (within the
    frame); None when the matte has no such pixel."""
    x, y, width, height = cv2.boundingRect((matte >= 0.5).astype(np.uint8))
    if width == 0 or height == 0:
        return None
    rows, columns = matte.shape[:2]
    return (slice(max(0, y - margin), min(rows, y + height + margin)),
            slice(max(0, x - margin), min(columns, x + width + margin)))


def scaled_box(box: Box, scale: float, size: tuple[int, int], margin: int) -> Box:
    """``box`` on a grid ``scale`` times as fine, covering it and ``margin`` more pixels, within
    ``size`` (width, height) of that grid."""
    rows, columns = box
    width, height = size
    return (slice(max(0, math.floor(rows.start * scale) - margin), min(height, math.ceil(rows.stop * scale) + margin)),
            slice(max(0, math.floor(columns.start * scale) - margin), min(width, math.ceil(columns.stop * scale) + margin)))


def box_origin(box: Box) -> np.ndarray:
    """The 3x3 translation taking a pixel of the box's crop to the same pixel of the whole grid."""
    return np.array([[1.0, 0.0, box[1].start], [0.0, 1.0, box[0].start], [0.0, 0.0, 1.0]])
