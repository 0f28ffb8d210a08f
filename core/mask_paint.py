"""Painting on a binary mask: brush / eraser strokes and lasso (polygon) fills.

The window's tools collect points in image pixels and call these; the result is a new mask the
window stores as a keyframe. Masks are 1-bit in the project (0 / 255), so a stroke's soft coverage
(``opacity`` x the ``hardness`` fall-off) is composited over the mask and binarised at 50 %: a
softer or fainter brush paints a thinner solid line, and below 50 % opacity it paints nothing.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

Point = tuple[float, float]


def stroke_coverage(shape: tuple[int, int], points: Sequence[Point], radius: float, *,
                    hardness: float = 1.0, opacity: float = 1.0) -> np.ndarray:
    """Coverage ``(H, W)`` float32 0..1 of a round brush of ``radius`` pixels dragged along
    ``points`` (x, y in pixels): ``opacity`` inside ``hardness * radius``, falling linearly to 0
    at ``radius``."""
    h, w = shape
    coverage = np.zeros((h, w), np.float32)
    if not points or radius <= 0:
        return coverage
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    pad = int(np.ceil(radius)) + 2
    x0, y0 = max(int(pts[:, 0].min()) - pad, 0), max(int(pts[:, 1].min()) - pad, 0)
    x1, y1 = min(int(pts[:, 0].max()) + pad + 1, w), min(int(pts[:, 1].max()) + pad + 1, h)
    if x0 >= x1 or y0 >= y1:
        return coverage
    # distance of every pixel (centre) of the box to the stroke's centre line
    line = np.full((y1 - y0, x1 - x0), 255, np.uint8)
    local = np.round((pts - (x0, y0)) * 16).astype(np.int32)  # 4 bits of sub-pixel precision
    if len(local) == 1:
        cv2.circle(line, tuple(local[0]), 0, 0, -1, cv2.LINE_8, shift=4)
    else:
        cv2.polylines(line, [local], False, 0, 1, cv2.LINE_8, shift=4)
    distance = cv2.distanceTransform(line, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    soft = max(radius * (1.0 - float(np.clip(hardness, 0.0, 1.0))), 1e-3)
    strength = float(np.clip(opacity, 0.0, 1.0))
    coverage[y0:y1, x0:x1] = np.clip((radius - distance) / soft, 0.0, 1.0) * strength
    return coverage


def paint_stroke(mask: np.ndarray, points: Sequence[Point], radius: float, *, hardness: float = 1.0,
                 opacity: float = 1.0, erase: bool = False) -> np.ndarray:
    """A copy of ``mask`` (``(H, W)`` uint8, nonzero = object) with a stroke painted (or erased);
    returns 0 / 255."""
    coverage = stroke_coverage(mask.shape, points, radius, hardness=hardness, opacity=opacity)
    return _composite(mask, coverage, erase)


def fill_polygon(mask: np.ndarray, points: Sequence[Point], *, erase: bool = False) -> np.ndarray:
    """A copy of ``mask`` with the polygon through ``points`` (x, y pixels) filled (or cleared)."""
    out = np.where(mask > 0, 255, 0).astype(np.uint8)
    if len(points) < 3:
        return out
    poly = np.round(np.asarray(points, np.float64).reshape(-1, 2) * 16).astype(np.int32)
    cv2.fillPoly(out, [poly], 0 if erase else 255, cv2.LINE_8, shift=4)
    return out


def _composite(mask: np.ndarray, coverage: np.ndarray, erase: bool) -> np.ndarray:
    current = (mask > 0).astype(np.float32)
    target = 0.0 if erase else 1.0
    blended = current + (target - current) * coverage
    return np.where(blended >= 0.5, 255, 0).astype(np.uint8)


def solid_radius(radius: float, *, hardness: float = 1.0, opacity: float = 1.0) -> float:
    """Radius (pixels) of the disc a dab actually sets or clears after binarisation (0 when
    ``opacity`` is below 50 %): what a live stroke preview should draw."""
    opacity = float(np.clip(opacity, 0.0, 1.0))
    if opacity < 0.5:
        return 0.0
    soft = max(radius * (1.0 - float(np.clip(hardness, 0.0, 1.0))), 1e-3)
    return max(radius - soft * 0.5 / opacity, 0.0)
