"""Operations on one soft matte: thresholding, compositor-style feather/choke, edge snapping.

Mattes are ``(H, W)`` uint8 0..255 at the edges of the package and float32 0..1 inside the
propagation; functions here accept either and say what they return.
"""

from __future__ import annotations

import cv2
import numpy as np

MASK_THRESHOLD = 0.5  # a pixel belongs to the object when its matte is at least this (0..1)


def matte_to_mask(matte: np.ndarray, threshold: float = MASK_THRESHOLD) -> np.ndarray:
    """Binary mask ``(H, W)`` uint8 0/255 of a matte (uint8 0..255 or float 0..1).

    ``threshold`` is in 0..1; with the default a uint8 matte is on from 128, so a 0/255 mask
    round-trips unchanged.
    """
    matte = np.asarray(matte)
    if matte.dtype == np.uint8:
        on = matte >= int(np.ceil(threshold * 255 - 1e-6))
    else:
        on = matte >= threshold
    return on.astype(np.uint8) * np.uint8(255)


def matte_to_uint8(matte: np.ndarray) -> np.ndarray:
    """Float32 0..1 matte → uint8 0..255 (rounded, clipped)."""
    return np.clip(np.rint(matte * 255.0), 0, 255).astype(np.uint8)


def matte_to_float(matte: np.ndarray) -> np.ndarray:
    """uint8 0..255 (or bool / float 0..1) matte → float32 0..1."""
    matte = np.asarray(matte)
    if matte.dtype == np.uint8:
        return matte.astype(np.float32) * np.float32(1 / 255)
    if matte.dtype == bool:
        return matte.astype(np.float32)
    return np.clip(matte.astype(np.float32), 0.0, 1.0)


def refine_matte(matte: np.ndarray, feather_px: float = 0.0, choke_px: float = 0.0) -> np.ndarray:
    """Choke then feather a matte the way compositors do; returns ``(H, W)`` uint8 0..255.

    matte: ``(H, W)`` uint8 0..255 (or float 0..1).
    choke_px: pixels the edge moves *inward* (erosion); negative values spread it outward
        (dilation). Rounded to whole pixels, with a round structuring element.
    feather_px: width in pixels of the soft ramp added on each side of the edge: a Gaussian blur
        with sigma ``feather_px / 2`` (0 = hard edge kept as is).
    """
    if feather_px < 0:
        raise ValueError(f"feather_px must be >= 0, got {feather_px}")
    result = matte_to_uint8(matte_to_float(matte))
    radius = int(round(abs(choke_px)))
    if radius > 0:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        operation = cv2.erode if choke_px > 0 else cv2.dilate
        result = operation(result, disk, borderType=cv2.BORDER_REPLICATE)
    if feather_px > 0:
        result = cv2.GaussianBlur(result, (0, 0), sigmaX=feather_px / 2, borderType=cv2.BORDER_REPLICATE)
    return result


def snap_matte_to_edges(
    frame: np.ndarray, matte: np.ndarray, *, radius_px: int = 3, epsilon: float = 1e-3, working_width: int = 960
) -> np.ndarray:
    """Pull a soft matte's edge onto the colour edges of its frame with a colour guided filter.

    frame: ``(H, W, 3)`` uint8 RGB; matte: ``(H, W)`` float32 0..1. Flat regions of the matte stay
    as they are (only the box around its soft edge is filtered); near an edge the result follows
    the image (He, Sun and Tang's guided filter; epsilon is in units of the frame's 0..1 colour
    variance: larger = smoother, less snapping).
    Frames wider than ``working_width`` are filtered on a downscaled copy and the filter's linear
    coefficients upsampled (the "fast guided filter"), so the cost stays bounded at 4K.
    Returns ``(H, W)`` float32 0..1.
    """
    edge = (matte > 0.01) & (matte < 0.99)
    if not edge.any():
        return matte
    height, width = matte.shape
    scale = min(1.0, working_width / width)
    margin = int(np.ceil(4 * (radius_px + 1) / scale))  # two box passes of the (scaled) radius, and slack
    rows, cols = np.flatnonzero(edge.any(axis=1)), np.flatnonzero(edge.any(axis=0))
    top, bottom = max(0, rows[0] - margin), min(height, rows[-1] + 1 + margin)
    left, right = max(0, cols[0] - margin), min(width, cols[-1] + 1 + margin)
    snapped = matte.copy()
    snapped[top:bottom, left:right] = _fast_guided_filter(
        frame[top:bottom, left:right], matte[top:bottom, left:right], radius_px, epsilon, scale
    )
    return snapped


def _fast_guided_filter(frame: np.ndarray, matte: np.ndarray, radius_px: int, epsilon: float, scale: float) -> np.ndarray:
    height, width = matte.shape
    guide = frame.astype(np.float32) * np.float32(1 / 255)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small_guide = cv2.resize(guide, size, interpolation=cv2.INTER_AREA)
        small_matte = cv2.resize(matte, size, interpolation=cv2.INTER_AREA)
        radius = max(1, round(radius_px * scale))
        slope, offset = _guided_filter_coefficients(small_guide, small_matte, radius, epsilon)
        slope = cv2.resize(slope, (width, height), interpolation=cv2.INTER_LINEAR)
        offset = cv2.resize(offset, (width, height), interpolation=cv2.INTER_LINEAR)
    else:
        slope, offset = _guided_filter_coefficients(guide, matte, radius_px, epsilon)
    return np.clip(np.einsum("hwc,hwc->hw", slope, guide) + offset, 0.0, 1.0)


def _guided_filter_coefficients(
    guide: np.ndarray, source: np.ndarray, radius: int, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Window-averaged ``(A, b)`` of the local fits ``source ≈ A · guide + b``: (H, W, 3), (H, W)."""
    def box(image: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(image, -1, (2 * radius + 1, 2 * radius + 1), borderType=cv2.BORDER_REFLECT)

    mean_guide = box(guide)  # (H, W, 3)
    mean_source = box(source)
    covariance = box(guide * source[..., None]) - mean_guide * mean_source[..., None]
    variance = np.empty(source.shape + (3, 3), np.float32)
    for i in range(3):
        for j in range(i, 3):
            product = box(guide[..., i] * guide[..., j]) - mean_guide[..., i] * mean_guide[..., j]
            variance[..., i, j] = variance[..., j, i] = product
    variance += np.eye(3, dtype=np.float32) * np.float32(epsilon)
    slope = np.linalg.solve(variance, covariance[..., None])[..., 0]
    offset = mean_source - np.einsum("hwc,hwc->hw", slope, mean_guide)
    return box(slope), box(offset)
