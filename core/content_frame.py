"""Reading a hand-fixed frame (a content keyframe) that the user painted in another program."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from core.errors import MaskError

_ASPECT_TOLERANCE = 0.01


def read_content_frame(path: str | Path, width: int, height: int) -> np.ndarray:
    """The image at ``path`` as ``(height, width, 3)`` uint8 RGB.

    An image of another size with the same aspect ratio (an upscaled or proxy export) is resized;
    any other size is a :class:`MaskError` naming both sizes.
    """
    path = Path(path)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise MaskError(f"{path.name} is not a readable image; export the fixed frame as PNG, JPEG or TIFF.")
    h, w = image.shape[:2]
    if (w, h) != (width, height):
        if abs(w / h - width / height) > _ASPECT_TOLERANCE * width / height:
            raise MaskError(
                f"{path.name} is {w}x{h} but the clip is {width}x{height}; "
                "export the fixed frame at the clip's size."
            )
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if w > width else cv2.INTER_CUBIC)
    return np.ascontiguousarray(image[:, :, ::-1])
