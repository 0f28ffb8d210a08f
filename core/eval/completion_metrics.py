"""Scores of a video completion against the clean clip: PSNR, SSIM and a flicker figure.

- PSNR (dB) from the mean squared error over all scored pixels and channels of all frames
  (so a perfect frame does not make the mean infinite), inside the hole and over whole frames;
  capped at ``PSNR_CAP``.
- SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, on each RGB channel, averaged):
  the SSIM map's mean inside the hole and over the whole frame, averaged over frames.
- Flicker: for consecutive frames, the mean over the union of both holes of
  ``|(fill_{t+1} - fill_t) - (truth_{t+1} - truth_t)|`` in 8-bit levels, averaged over pairs:
  0 when the fill changes exactly as the true background does. Also the plain mean
  ``|fill_{t+1} - fill_t|`` and ``|truth_{t+1} - truth_t|`` there, for reference.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

PSNR_CAP = 99.0  # dB, for identical images


def psnr_from_mse(mse: float) -> float:
    """PSNR in dB of 8-bit images with mean squared error ``mse`` (levels²)."""
    return PSNR_CAP if mse <= 0 else min(PSNR_CAP, 10 * math.log10(255.0**2 / mse))


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """SSIM of two ``(H, W, 3)`` (or ``(H, W)``) uint8 images per pixel: ``(H, W)`` float64,
    averaged over channels."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(z, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    ssim = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return ssim.mean(axis=2) if ssim.ndim == 3 else ssim


class CompletionScore:
    """Accumulates frames of one filled clip in order; ``summary()`` gives the scores.

    ``add(filled, truth, hole)``: ``(H, W, 3)`` uint8 RGB fill and clean frame, ``(H, W)`` bool
    (or non-zero) hole. Frames given to ``add`` one after another count as consecutive.
    """

    def __init__(self) -> None:
        self.frames = 0
        self._sse_hole = self._n_hole = self._sse_frame = self._n_frame = 0.0
        self._ssim_hole: list[float] = []
        self._ssim_frame: list[float] = []
        self._flicker: list[float] = []
        self._change_fill: list[float] = []
        self._change_truth: list[float] = []
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, filled: np.ndarray, truth: np.ndarray, hole: np.ndarray, *, consecutive: bool = True) -> None:
        if filled.shape != truth.shape:
            raise ValueError(f"fill {filled.shape} and truth {truth.shape} differ in shape")
        hole = hole.astype(bool)
        error = (filled.astype(np.float64) - truth.astype(np.float64)) ** 2
        self._sse_frame += error.sum()
        self._n_frame += error.size
        self._sse_hole += error[hole].sum()
        self._n_hole += hole.sum() * filled.shape[2]
        ssim = ssim_map(filled, truth)
        self._ssim_frame.append(float(ssim.mean()))
        if hole.any():
            self._ssim_hole.append(float(ssim[hole].mean()))
        if consecutive and self._previous is not None:
            self._add_pair(*self._previous, filled, truth, hole)
        self._previous = (filled, truth, hole)
        self.frames += 1

    def summary(self) -> dict[str, float]:
        """``psnr_hole``, ``psnr_frame`` (dB), ``ssim_hole``, ``ssim_frame`` (0..1), ``flicker``,
        ``change_fill``, ``change_truth`` (8-bit levels; NaN with fewer than two frames)."""
        mean = lambda values: float(np.mean(values)) if values else float("nan")  # noqa: E731
        return {
            "psnr_hole": psnr_from_mse(self._sse_hole / max(self._n_hole, 1)),
            "ssim_hole": mean(self._ssim_hole),
            "psnr_frame": psnr_from_mse(self._sse_frame / max(self._n_frame, 1)),
            "ssim_frame": mean(self._ssim_frame),
            "flicker": mean(self._flicker),
            "change_fill": mean(self._change_fill),
            "change_truth": mean(self._change_truth),
        }

    def _add_pair(self, fill_0, truth_0, hole_0, fill_1, truth_1, hole_1) -> None:
        region = hole_0 | hole_1
        if not region.any():
            return
        change_fill = fill_1.astype(np.float32) - fill_0.astype(np.float32)
        change_truth = truth_1.astype(np.float32) - truth_0.astype(np.float32)
        self._flicker.append(float(np.abs(change_fill - change_truth)[region].mean()))
        self._change_fill.append(float(np.abs(change_fill)[region].mean()))
        self._change_truth.append(float(np.abs(change_truth)[region].mean()))
