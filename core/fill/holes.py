"""What "the hole" of a frame is, and the composite that keeps everything else bit for bit.

The hole of a frame is its mask grown by ``dilate`` pixels: every pixel within a disc of diameter
``2 * dilate + 1`` around a non-zero mask pixel. Rotoscoped masks sit on the object's edge, where
pixels are mixed with the object (anti-aliasing, motion blur), so the fill replaces a thin band
around them too. Outside the hole, filled frames are the source frame, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import MaskError
from core.flow import sample_at


def hole_from_mask(mask: np.ndarray, dilate: int) -> np.ndarray:
    """``(H, W)`` bool hole: non-zero pixels of ``mask`` (``(H, W)`` uint8) grown by ``dilate`` pixels."""
    if mask.ndim != 2:
        raise MaskError(f"Mask has shape {mask.shape}, expected one channel (H, W); save masks as grey PNGs.")
    hole = (mask > 0).astype(np.uint8)
    if dilate > 0:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * dilate + 1, 2 * dilate + 1))
        hole = cv2.dilate(hole, disc)
    return hole.astype(bool)


def composite(original: np.ndarray, filled: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """``filled`` inside ``hole``, ``original`` elsewhere (exactly): ``(H, W, 3)`` uint8 RGB."""
    return np.where(hole[..., None], filled, original)


def check_mask_size(mask: np.ndarray, frame_size: tuple[int, int], index: int) -> None:
    """Raise :class:`MaskError` unless ``mask`` is ``frame_size = (width, height)`` pixels."""
    if mask.shape[:2] != (frame_size[1], frame_size[0]):
        raise MaskError(
            f"Mask of frame {index} is {mask.shape[1]}x{mask.shape[0]} but the clip is "
            f"{frame_size[0]}x{frame_size[1]}; resize the masks to the clip's size."
        )


@dataclass(frozen=True)
class BoxedHole:
    """A hole kept as its bounding box: what the flow fill holds of each source frame's hole.

    A 4K hole is 8 MB as ``(H, W)`` bool; the fill keeps those of the ~30 frames around the one it
    fills, and an object covers a few percent of the frame. The box starts on even coordinates so
    that nearest sampling (:meth:`at`) rounds exactly as on the whole hole (an even shift keeps
    round-half-to-even's choice).
    """

    shape: tuple[int, int]  # (H, W) of the frame
    top: int
    left: int
    box: np.ndarray  # (h, w) bool, the hole's pixels from (top, left)

    @classmethod
    def of(cls, hole: np.ndarray) -> BoxedHole:
        rows, columns = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
        if not len(rows):
            return cls(hole.shape, 0, 0, np.zeros((0, 0), bool))
        top, left = int(rows[0]) & ~1, int(columns[0]) & ~1
        box = np.array(hole[top:rows[-1] + 1, left:columns[-1] + 1], bool)
        box.setflags(write=False)
        return cls(hole.shape, top, left, box)

    def full(self) -> np.ndarray:
        """The ``(H, W)`` bool hole (a new array)."""
        hole = np.zeros(self.shape, bool)
        hole[self.top:self.top + self.box.shape[0], self.left:self.left + self.box.shape[1]] = self.box
        return hole

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ys, xs)`` of the hole's pixels, as ``np.nonzero`` of the whole hole gives them."""
        ys, xs = np.nonzero(self.box)
        return ys + self.top, xs + self.left

    def at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(n,)`` uint8, 1 in the hole: the whole hole sampled (nearest) at positions ``x``, ``y``
        inside the frame (``0 <= x <= W - 1``, ``0 <= y <= H - 1``)."""
        if not self.box.size:
            return np.zeros(len(x), np.uint8)
        x = x.astype(np.float32, copy=False) - np.float32(self.left)
        y = y.astype(np.float32, copy=False) - np.float32(self.top)
        return sample_at(self.box.view(np.uint8), x, y, interpolation="nearest", fill_value=0)
