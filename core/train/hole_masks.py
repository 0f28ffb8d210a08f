"""Random holes for self-supervised training: strokes, boxes and object shapes.

A training target is a frame whose true pixels we know, hidden by a random hole the network must
fill. LaMa (which the paper follows for its masks) draws thick irregular strokes and boxes; for
object removal the holes that matter most are *object-shaped*, so we also paste real object
silhouettes (DAVIS masks found in the data folder), randomly scaled, flipped, dilated and placed.

Every function takes a ``numpy.random.Generator`` so a sample is a pure function of its seed
(exact resume depends on it). Holes are ``(H, W)`` ``bool``, True = hidden.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

MIN_COVERAGE = 0.05  # share of the frame a target hole covers, at least ...
MAX_COVERAGE = 0.55  # ... and at most (LaMa's "thick" and "medium" masks span about this range)


class HoleMaskGenerator:
    """Draws random holes; ``shapes`` are object silhouettes (``bool``, cropped to their box)."""

    def __init__(self, shapes: Sequence[np.ndarray] = ()) -> None:
        self.shapes = [s for s in shapes if s.any()]

    def target_hole(self, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
        """A hole for a target frame of ``size = (H, W)``, covering 5..55 % of it."""
        hole = np.zeros(size, bool)
        for _ in range(8):  # redraw the rare hole that is far too small or too large
            hole = self._one_kind(rng, size)
            if MIN_COVERAGE <= hole.mean() <= MAX_COVERAGE:
                return hole
        return hole if hole.any() else box_hole(rng, size)

    def keyframe_hole(self, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
        """A hole for a keyframe: mostly object-shaped, as the removed object is in keyframes
        too; sometimes none at all."""
        if rng.random() < 0.2:
            return np.zeros(size, bool)
        if self.shapes and rng.random() < 0.7:
            return object_hole(rng, size, self.shapes)
        return stroke_hole(rng, size)

    def _one_kind(self, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
        pick = rng.random()
        if self.shapes and pick < 0.45:
            hole = object_hole(rng, size, self.shapes)
        elif pick < 0.8:
            hole = stroke_hole(rng, size)
        else:
            hole = box_hole(rng, size)
        if rng.random() < 0.25:  # a second, smaller part: objects rarely come alone
            hole |= stroke_hole(rng, size, strokes=(1, 2)) if rng.random() < 0.5 \
                else box_hole(rng, size, boxes=(1, 1))
        return hole


def stroke_hole(rng: np.random.Generator, size: tuple[int, int],
                strokes: tuple[int, int] = (1, 4)) -> np.ndarray:
    """LaMa-style thick irregular strokes: polylines of random segments with round joints."""
    h, w = size
    side = min(h, w)
    canvas = np.zeros(size, np.uint8)
    for _ in range(int(rng.integers(strokes[0], strokes[1] + 1))):
        width = int(rng.uniform(0.04, 0.16) * side) + 1
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        for _ in range(int(rng.integers(2, 7))):
            angle = rng.uniform(0, 2 * np.pi)
            length = rng.uniform(0.1, 0.4) * side
            nx = float(np.clip(x + length * np.cos(angle), 0, w - 1))
            ny = float(np.clip(y + length * np.sin(angle), 0, h - 1))
            cv2.line(canvas, (int(x), int(y)), (int(nx), int(ny)), 1, width)
            cv2.circle(canvas, (int(nx), int(ny)), width // 2, 1, -1)
            x, y = nx, ny
    return canvas.astype(bool)


def box_hole(rng: np.random.Generator, size: tuple[int, int],
             boxes: tuple[int, int] = (1, 3)) -> np.ndarray:
    """Axis-aligned rectangles, 10..50 % of each side."""
    h, w = size
    hole = np.zeros(size, bool)
    for _ in range(int(rng.integers(boxes[0], boxes[1] + 1))):
        bh = max(1, int(rng.uniform(0.1, 0.5) * h))
        bw = max(1, int(rng.uniform(0.1, 0.5) * w))
        y = int(rng.integers(0, h - bh + 1))
        x = int(rng.integers(0, w - bw + 1))
        hole[y:y + bh, x:x + bw] = True
    return hole


def object_hole(rng: np.random.Generator, size: tuple[int, int],
                shapes: Sequence[np.ndarray]) -> np.ndarray:
    """One object silhouette, scaled to 25..80 % of the frame's height, flipped at random,
    dilated by up to 3 % of the frame (removal masks are drawn generously) and placed anywhere,
    partly outside the frame too."""
    h, w = size
    shape = shapes[int(rng.integers(len(shapes)))]
    sh, sw = shape.shape
    scale = rng.uniform(0.25, 0.8) * h / sh
    scale = min(scale, 0.9 * w / sw)
    nh, nw = max(2, round(sh * scale)), max(2, round(sw * scale))
    resized = cv2.resize(shape.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST)
    if rng.random() < 0.5:
        resized = resized[:, ::-1]
    grow = int(rng.uniform(0, 0.03) * min(h, w))
    if grow:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        resized = cv2.dilate(np.pad(resized, grow), kernel)
        nh, nw = resized.shape
    y = int(rng.integers(-nh // 4, h - 3 * nh // 4 + 1))
    x = int(rng.integers(-nw // 4, w - 3 * nw // 4 + 1))
    hole = np.zeros(size, bool)
    ys, xs = slice(max(y, 0), min(y + nh, h)), slice(max(x, 0), min(x + nw, w))
    hole[ys, xs] = resized[ys.start - y:ys.stop - y, xs.start - x:xs.stop - x] > 0
    return hole


def shape_of(mask: np.ndarray, max_side: int = 256) -> np.ndarray | None:
    """An object mask ``(H, W)`` (0/255 or bool) cropped to its box and shrunk to ``max_side``:
    ``bool``, or ``None`` for an empty or speck-sized mask."""
    on = mask > 0
    ys, xs = np.nonzero(on)
    if ys.size < 64:
        return None
    crop = on[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = max_side / max(crop.shape)
    if scale < 1:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    return crop
