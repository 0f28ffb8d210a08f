"""How much of each frame the removal masks cover, checked before a removal starts.

A mask that covers the whole frame on every frame (an inverted mask, a white image given as the
mask) leaves no background to fill from: the removal would write a black clip. Masks that are all
empty change nothing. Both are told before any frame is decoded. Coverage is read from the packed
masks (bits), so checking a long 4K clip takes well under a millisecond a frame.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.errors import MaskError
from core.project.document import Project

_BITS_SET = np.array([bin(byte).count("1") for byte in range(256)], np.uint8)


def check_removal_masks(project: Project, notice: Callable[[str], None] = lambda message: None) -> None:
    """Raise :class:`MaskError` when every mask covers its whole frame; ``notice`` the frames that
    are wholly covered (filled from the others only) and masks that are all empty."""
    full, empty, masked = removal_coverage(project)
    if masked and len(full) == masked and not project.content_keyframes():
        raise MaskError(
            f"The masks cover the whole frame on every frame that has one ({frame_ranges(full)}), so no "
            "background is left to fill from; mask only the object, white on black (is the mask inverted?).")
    if full:
        notice(f"The masks cover the whole of frame{'s' if len(full) > 1 else ''} {frame_ranges(full)}: "
               "filled from the other frames only.")
    if masked and len(empty) == masked:
        notice("Every mask is empty, so nothing will be removed (the clip is written as it is); "
               "check that the masks mark the object in white.")


def removal_coverage(project: Project) -> tuple[list[int], list[int], int]:
    """``(wholly covered frames, empty frames, frames with a mask)`` of the visible objects' union."""
    clip = project.clip
    pixels = clip.width * clip.height
    tracks = [project._track(o.id) for o in project.objects if o.visible]
    full, empty, masked = [], [], 0
    for frame in sorted({f for track in tracks for f in track.frames()}):
        packed = [np.frombuffer(p, np.uint8) for p in (t.packed(frame) for t in tracks) if p is not None]
        union = packed[0] if len(packed) == 1 else np.bitwise_or.reduce(packed)
        masked += 1
        if not union.any():
            empty.append(frame)
        elif union[:pixels // 8].min(initial=255) == 255 and _BITS_SET[union[pixels // 8:]].sum() == pixels % 8:
            full.append(frame)  # every whole byte set, and the bits of the last partial one
    return full, empty, masked


def frame_ranges(frames: list[int], limit: int = 4) -> str:
    """``0-5, 9, 12-14, ...``: sorted frames as ranges, at most ``limit`` of them."""
    spans: list[str] = []
    first = prev = frames[0]
    for frame in frames[1:] + [None]:
        if frame is not None and frame == prev + 1:
            prev = frame
            continue
        spans.append(f"{first}" if first == prev else f"{first}-{prev}")
        if frame is not None:
            first = prev = frame
    return ", ".join(spans[:limit]) + (", ..." if len(spans) > limit else "")

