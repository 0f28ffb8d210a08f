"""Turning arrays into what the viewer draws: frames, coloured mask overlays, the heat map.

Presentation only: every function takes arrays the core produced and returns a QImage that owns
its pixels (the numpy buffer may go away).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from PySide6.QtGui import QImage

# consistency 0 (flows disagree) -> red, 0.5 -> yellow, 1 (agree) -> blue
_HEAT_STOPS = np.array([[230, 40, 30], [250, 210, 40], [40, 90, 230]], np.float32)
# where the flows disagree (the fill cannot trust them) the colour is strong; where they agree it
# only tints, so the frame stays readable under the map
HEAT_ALPHA_DISAGREE, HEAT_ALPHA_AGREE = 0.75, 0.2


def frame_image(frame: np.ndarray) -> QImage:
    """``(H, W, 3)`` uint8 RGB -> QImage RGB888."""
    frame = np.ascontiguousarray(frame)
    h, w = frame.shape[:2]
    return QImage(frame.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def image_array(image: QImage) -> np.ndarray:
    """A QImage -> ``(H, W, 3)`` uint8 RGB (copies)."""
    image = image.convertToFormat(QImage.Format_RGB888)
    h, w = image.height(), image.width()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return buffer.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def mask_overlay(masks: Iterable[tuple[np.ndarray, tuple[int, int, int]]], opacity: float,
                 shape: tuple[int, int]) -> QImage | None:
    """Masks ``(H, W)`` (nonzero = object) each in its colour: filled at ``opacity`` (0..1) with a
    solid outline so the edge stays readable at any opacity. None when there is nothing."""
    h, w = shape
    rgba = np.zeros((h, w, 4), np.float32)  # premultiplied
    any_mask = False
    for mask, colour in masks:
        inside = mask > 0
        if not inside.any():
            continue
        any_mask = True
        alpha = np.where(_outline(inside), 1.0, opacity).astype(np.float32) * inside
        a = alpha[..., None]
        rgba[..., :3] = rgba[..., :3] * (1 - a) + np.array(colour, np.float32) * a
        rgba[..., 3] = rgba[..., 3] * (1 - alpha) + alpha
    if not any_mask:
        return None
    return _rgba_image(rgba)


def heat_overlay(consistency: np.ndarray, shape: tuple[int, int]) -> QImage:
    """Consistency ``(H, W)`` float32 0..1 as a red (disagree) - yellow - blue (agree) map."""
    c = np.clip(consistency.astype(np.float32), 0.0, 1.0)
    if c.shape != tuple(shape):
        import cv2  # the flow may come at the working resolution

        c = cv2.resize(c, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    t = c * 2.0
    low = np.clip(t, 0.0, 1.0)[..., None]
    high = np.clip(t - 1.0, 0.0, 1.0)[..., None]
    rgb = (_HEAT_STOPS[0] * (1 - low) + _HEAT_STOPS[1] * low) * (1 - high) + _HEAT_STOPS[2] * high
    alpha = (HEAT_ALPHA_DISAGREE + (HEAT_ALPHA_AGREE - HEAT_ALPHA_DISAGREE) * c)[..., None]
    rgba = np.concatenate([rgb * alpha, alpha], axis=2)
    return _rgba_image(rgba)


def heat_colour(value: float) -> tuple[int, int, int]:
    """The heat map's colour for one consistency value (for the legend)."""
    t = float(np.clip(value, 0, 1)) * 2
    low, high = min(t, 1.0), max(t - 1.0, 0.0)
    rgb = (_HEAT_STOPS[0] * (1 - low) + _HEAT_STOPS[1] * low) * (1 - high) + _HEAT_STOPS[2] * high
    return tuple(int(v) for v in rgb)


def _outline(inside: np.ndarray) -> np.ndarray:
    interior = inside.copy()
    interior[1:, :] &= inside[:-1, :]
    interior[:-1, :] &= inside[1:, :]
    interior[:, 1:] &= inside[:, :-1]
    interior[:, :-1] &= inside[:, 1:]
    return inside & ~interior


def _rgba_image(rgba: np.ndarray) -> QImage:
    """``(H, W, 4)`` float32, RGB 0..255 premultiplied by A 0..1 -> QImage premultiplied RGBA8888."""
    out = np.empty(rgba.shape, np.uint8)
    out[..., :3] = np.clip(rgba[..., :3] + 0.5, 0, 255)
    out[..., 3] = np.clip(rgba[..., 3] * 255 + 0.5, 0, 255)
    h, w = out.shape[:2]
    return QImage(out.data, w, h, 4 * w, QImage.Format_RGBA8888_Premultiplied).copy()
