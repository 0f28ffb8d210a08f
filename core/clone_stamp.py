"""The clone stamp: repainting part of a frame with pixels copied from elsewhere in the same frame.

As in a photo editor, the user picks a source point and paints; each pixel ``p`` under the brush
takes the value of ``p + offset``, where ``offset`` is the source point minus where the stroke
began. The brush is the mask painter's (``core.mask_paint.stroke_coverage``: round, ``hardness``
fall-off, ``opacity``), so a hard, opaque brush copies pixels exactly and leaves every pixel
outside its radius untouched. A stroke reads the frame as it was before the stroke: it never
clones what it has just painted.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from core.mask_paint import Point, stroke_coverage


def clone_stroke(image: np.ndarray, points: Sequence[Point], offset: tuple[int, int], radius: float, *,
                 hardness: float = 1.0, opacity: float = 1.0) -> np.ndarray:
    """A copy of ``image`` (``(H, W, 3)`` uint8 RGB) with a brush stroke along ``points`` (x, y in
    pixels) that paints the pixels found ``offset`` (dx, dy, rounded to whole pixels) away:
    ``out(p) = image(p) + (image(p + offset) - image(p)) * coverage(p)``.

    Where ``p + offset`` falls outside the frame nothing is painted (there is nothing to copy).
    """
    dx, dy = int(round(offset[0])), int(round(offset[1]))
    h, w = image.shape[:2]
    coverage = stroke_coverage((h, w), points, radius, hardness=hardness, opacity=opacity)
    # only pixels whose source lies inside the frame: a rectangle, so the box of what is painted
    # below stays inside it and its shifted copy is a plain slice
    inside = np.zeros((h, w), bool)
    inside[max(-dy, 0):min(h - dy, h), max(-dx, 0):min(w - dx, w)] = True
    coverage[~inside] = 0.0
    out = image.copy()
    rows, cols = np.nonzero(coverage.any(axis=1))[0], np.nonzero(coverage.any(axis=0))[0]
    if not len(rows):
        return out
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    target = image[y0:y1, x0:x1].astype(np.float32)
    source = image[y0 + dy:y1 + dy, x0 + dx:x1 + dx].astype(np.float32)
    alpha = coverage[y0:y1, x0:x1, None]
    # + 0.5 then truncation rounds; at coverage 1 the result is the source value, bit for bit
    out[y0:y1, x0:x1] = np.clip(target + (source - target) * alpha + 0.5, 0, 255).astype(np.uint8)
    return out


def stroke_offset(source: Point, start: Point) -> tuple[int, int]:
    """The whole-pixel offset (dx, dy) from a stroke starting at ``start`` to the ``source`` point."""
    return int(round(source[0] - start[0])), int(round(source[1] - start[1]))
