"""One resize for frames, masks and maps: ``resized(image, (W, H), interpolation)``.

The image itself comes back, not a copy, when it already has that size (callers must not modify
the result in place); otherwise ``cv2.resize``. Sizes are ``(width, height)`` in pixels, as
OpenCV takes them.
"""

from __future__ import annotations

import cv2
import numpy as np


def resized(image: np.ndarray, size: tuple[int, int], interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    """``image`` (``(H, W)`` or ``(H, W, C)``) at ``size = (W, H)``; INTER_AREA by default (shrinking)."""
    if (image.shape[1], image.shape[0]) == tuple(size):
        return image
    return cv2.resize(image, size, interpolation=interpolation)
