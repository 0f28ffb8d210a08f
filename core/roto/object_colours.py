"""Which colours are the object's: a keyframe's object and the background around it, as histograms.

The background difference says where a frame differs from its background, not whether what
differs is the object: rippling water differs from the water a frame earlier everywhere, and once
the mask had taken some in, the water went on differing and the mask grew over the pond to twelve
times the duck's area (mallard-water, issue 15). The keyframe shows both sides exactly: the
painted object, and the background just around it, which is what the mask could grow onto. So a
pixel carried as object is asked how much its colour looks like the keyframe's object rather than
that background (:meth:`ObjectColours.likelihood`); where its neighbourhood looks like the
background it leaves the mask (:func:`core.roto.background_cue.blend_with_difference`).

Colours are binned ``BINS`` to a channel (RGB) and the histograms blurred by one bin, so a colour
a few levels off the keyframe's counts as seen; a colour neither side shows is undecided (0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

BINS = 16  # per RGB channel
SURROUND_PX = 20  # the background learned from: this far around the keyframe's object
_SMOOTHING = np.array([0.25, 0.5, 0.25])  # along each channel, in bins
_EPSILON = 1e-5  # of a histogram's mass: colours neither side shows come out near 0.5
_BIN_OF_LEVEL = (np.arange(256) * BINS // 256).astype(np.uint16)  # a channel's level -> its bin


@dataclass(frozen=True)
class ObjectColours:
    """The colour histograms of a keyframe's object and its surround, each ``(BINS,) * 3`` summing to 1."""

    object_histogram: np.ndarray
    background_histogram: np.ndarray

    @classmethod
    def learn(cls, frame: np.ndarray, mask: np.ndarray) -> ObjectColours:
        """From ``frame`` (``(H, W, 3)`` uint8 RGB) and its mask (``(H, W)``, nonzero = object)."""
        shown = mask > 0
        size = 2 * SURROUND_PX + 1
        around = cv2.dilate(shown.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
        return cls(_histogram(frame[shown]), _histogram(frame[around & ~shown]))

    def likelihood(self, frame: np.ndarray) -> np.ndarray:
        """How much each pixel's colour is the object's rather than its surround's: ``(H, W)``
        float32 0..1 (equal weight to both sides; 0.5 where neither tells)."""
        bins = _BIN_OF_LEVEL[frame]  # (H, W, 3) uint16: a lookup, not arithmetic on every pixel
        index = (bins[..., 0] * BINS + bins[..., 1]) * BINS + bins[..., 2]
        return self._share_of_bin[index]

    @cached_property
    def _share_of_bin(self) -> np.ndarray:
        """The object's share of each colour bin, float32, flat."""
        shown_object, shown_background = self.object_histogram.ravel(), self.background_histogram.ravel()
        return ((shown_object + _EPSILON) / (shown_object + shown_background + 2 * _EPSILON)).astype(np.float32)


def _bin_index(pixels: np.ndarray) -> np.ndarray:
    """Flat histogram bin of each ``(n, 3)`` uint8 RGB pixel."""
    bins = pixels.astype(np.int64) * BINS // 256
    return (bins[:, 0] * BINS + bins[:, 1]) * BINS + bins[:, 2]


def _histogram(pixels: np.ndarray) -> np.ndarray:
    """Normalised, blurred colour histogram of ``(n, 3)`` uint8 pixels (all zero for none)."""
    counts = np.bincount(_bin_index(pixels), minlength=BINS**3).astype(np.float64).reshape((BINS,) * 3)
    for axis in range(3):
        counts = np.apply_along_axis(np.convolve, axis, counts, _SMOOTHING, mode="same")
    total = counts.sum()
    return counts / total if total > 0 else counts
