"""Synthetic clips for the rotoscoping tests: textured squares sliding over a textured background."""

from __future__ import annotations

import cv2
import numpy as np

HEIGHT, WIDTH = 120, 160


def texture(seed: int, height: int, width: int) -> np.ndarray:
    """Smooth random RGB texture ``(H, W, 3)`` uint8 that optical flow can lock onto."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (height // 4 + 1, width // 4 + 1, 3), dtype=np.uint8)
    return cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)


class SlidingSquares:
    """Squares of ``size`` px, each starting at ``(x, y)`` and moving ``(dx, dy)`` px per frame."""

    def __init__(self, squares: list[tuple[int, int, int, int]], size: int = 32, frame_count: int = 10) -> None:
        self.squares = squares
        self.size = size
        self.frame_count = frame_count
        self.background = texture(0, HEIGHT, WIDTH)
        self.patches = [texture(i + 1, size, size) for i in range(len(squares))]

    def frame(self, index: int) -> np.ndarray:
        image = self.background.copy()
        for (x, y), patch in zip(self.positions(index), self.patches):
            image[y : y + self.size, x : x + self.size] = patch
        return image

    def mask(self, index: int, which: int = 0) -> np.ndarray:
        """Visible pixels of square ``which`` (later squares are drawn on top)."""
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        positions = self.positions(index)
        x, y = positions[which]
        mask[y : y + self.size, x : x + self.size] = 255
        for ox, oy in positions[which + 1 :]:
            mask[oy : oy + self.size, ox : ox + self.size] = 0
        return mask

    def positions(self, index: int) -> list[tuple[int, int]]:
        return [(x + dx * index, y + dy * index) for x, y, dx, dy in self.squares]
