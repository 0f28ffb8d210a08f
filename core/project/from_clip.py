"""Starting a project from a clip and mask files, as the CLI and the window both do."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import MaskError
from core.project.document import ClipRef, Project, new_project
from core.project.mask_track import MaskKind


def clip_ref(info) -> ClipRef:
    """The project's view of a :class:`core.video.ClipInfo`."""
    return ClipRef(Path(info.path), info.width, info.height, info.frame_count, info.frame_rate)


def project_with_masks(info, masks: str | Path | None, *, resize: bool = False, every_frame: bool = False) -> Project:
    """A one-object project on ``info``'s clip with masks from ``masks``.

    ``masks`` is a folder of per-frame masks (named by frame number) or one image used on every
    frame (a static mask, e.g. a logo). Folder masks are keyframes; with ``every_frame`` the folder
    must cover every frame (the masks are then used as they are, no propagation needed).
    """
    from core.masks import mask_files, read_mask

    project = new_project(clip_ref(info))
    if masks is None:
        return project
    object_id = project.objects[0].id
    path = Path(masks)
    size = (info.width, info.height)
    if path.is_file():
        static = read_mask(path, size, resize=resize)
        for frame in range(info.frame_count):
            project._restore(object_id, frame, static, MaskKind.KEYFRAME)
        return project
    by_frame = mask_files(path, size, info.frame_count)
    if every_frame and len(by_frame) != info.frame_count:
        raise MaskError(
            f"{path} has masks for {len(by_frame)} of the clip's {info.frame_count} frames; give one mask "
            "per frame, or pass --propagate to rotoscope the rest from these keyframes."
        )
    for frame, file in by_frame.items():  # read and packed one at a time: the project holds them packed
        project._restore(object_id, frame, read_mask(file, size, resize=resize), MaskKind.KEYFRAME)
    return project


def project_over_masks(name: str, masks: Sequence[np.ndarray], *, frame_rate: Fraction = Fraction(25)) -> Project:
    """A one-object project on frames held in memory (evaluation, training examples): ``masks``
    ``(H, W)`` uint8 are keyframes on every frame, and the working width is the frames' width, so
    everything is computed at their full size. ``name`` stands for the clip's path."""
    height, width = masks[0].shape[:2]
    project = new_project(ClipRef(Path(name), width, height, len(masks), frame_rate))
    object_id = project.objects[0].id
    for frame, mask in enumerate(masks):
        project._restore(object_id, frame, mask, MaskKind.KEYFRAME)
    project.update_settings(working_width=width)
    return project
