"""What every removal reads of a project: its frames and the hole to fill in each.

Content keyframes (frames the user fixed by hand) replace the decoded frames and have an empty
mask: they are fully known sources for their neighbours. Every other frame's mask is the union of
the visible objects' masks, and a frame to render without any is an error the user can fix
(:func:`check_every_frame_has_a_mask`), raised before any work starts.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from core.errors import MaskError
from core.project import Project
from core.project.mask_coverage import frame_ranges

FrameOf = Callable[[int], np.ndarray]
"""``frame_of(i)``: ``(H, W, 3)`` uint8 RGB frame ``i`` of the clip."""


def removal_sources(project: Project, frame_of: FrameOf) -> tuple[FrameOf, FrameOf]:
    """``(frame_of, mask_of)`` for the fills: content keyframes replace decoded frames and have an
    empty mask; every other frame's mask is the union of the visible objects' masks (``(H, W)``
    uint8, non-zero = remove)."""
    empty = np.zeros((project.clip.height, project.clip.width), np.uint8)

    def source_frame(index: int) -> np.ndarray:
        fixed = project.content_keyframe(index)
        return fixed if fixed is not None else frame_of(index)

    def source_mask(index: int) -> np.ndarray:
        if project.content_keyframe(index) is not None:
            return empty
        mask = project.removal_mask(index)
        return empty if mask is None else mask

    return source_frame, source_mask


def check_every_frame_has_a_mask(project: Project, frames: range) -> None:
    """Raise :class:`MaskError` naming the frames (as ranges) that have no mask of any object."""
    if not project.objects:
        raise MaskError("The project has no object to remove; add an object and paint its mask.")
    missing = [
        i for i in frames
        if project.content_keyframe(i) is None and project.removal_mask(i) is None
    ]
    if missing:
        raise MaskError(
            f"{len(missing)} of {len(frames)} frames have no mask ({frame_ranges(missing)}); "
            "propagate the keyframe masks first (main.py roto, or Propagate masks in the window)."
        )
