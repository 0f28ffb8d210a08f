"""Checking rotoscoping inputs: keyframe masks and requested frames, with errors a user can act on."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from core.errors import MaskError


def checked_keyframes(
    keyframes: Mapping[int, np.ndarray], frame_count: int, frame_size: tuple[int, int]
) -> dict[int, np.ndarray]:
    """Keyframe masks as uint8 0/255 (0/255 uint8 masks are kept as they are), or MaskError."""
    if not keyframes:
        raise MaskError("There are no keyframes to propagate from; paint a mask on at least one frame first.")
    width, height = frame_size
    checked = {}
    for index, mask in keyframes.items():
        if not 0 <= index < frame_count:
            raise MaskError(
                f"Keyframe {index} is outside the clip (frames 0..{frame_count - 1}); remove it or pick a frame inside."
            )
        mask = np.asarray(mask)
        if mask.shape != (height, width):
            got = f"{mask.shape[1]}x{mask.shape[0]}" if mask.ndim == 2 else f"shape {mask.shape}"
            raise MaskError(
                f"The mask on keyframe {index} is {got} but the clip is {width}x{height}; "
                "repaint it or resize it to the clip's size."
            )
        if mask.dtype != np.uint8 or not np.isin(mask, (0, 255)).all():
            mask = (mask > 0).astype(np.uint8) * np.uint8(255)
        checked[int(index)] = mask
    return checked


def checked_frames(frames: Iterable[int] | None, frame_count: int) -> list[int]:
    """Sorted distinct frame indices (all frames for None), or MaskError for one outside the clip."""
    if frames is None:
        return list(range(frame_count))
    wanted = sorted(set(int(f) for f in frames))
    outside = [f for f in wanted if not 0 <= f < frame_count]
    if outside:
        raise MaskError(f"Frame {outside[0]} is outside the clip (frames 0..{frame_count - 1}); ask for frames inside it.")
    return wanted
