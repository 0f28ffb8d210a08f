"""A project's own clip as training footage for fine-tuning (:mod:`core.train.finetune`,
:mod:`core.train.finetune_residual`): its masked frames, the masks grown a little as the pixels
never learned from, and the object's silhouettes for the hole generator."""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.train.footage import FootageClip, TrainingDataError, scale_to, scaled_size
from core.train.hole_masks import shape_of

MAX_SHAPES = 40


def project_footage(project: Project, frame_of: Callable[[int], np.ndarray], *,
                    frame_height: int = 240, crop: tuple[int, int] = (240, 240),
                    grow: float = 0.015, max_frames: int = 600,
                    progress: ProgressFn = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED) -> list[FootageClip]:
    """The project's masked frames as training footage, one ``FootageClip`` per run of
    consecutive masked frames (offsets between keyframes must be real frame offsets).

    ``frame_of(i)`` reads frame ``i`` of the clip (``(H, W, 3)`` uint8 RGB); ``grow`` is the
    margin added around the masks, as a share of the frame's height; at most ``max_frames``
    frames are read. Raises :class:`TrainingDataError` when no frame has a mask.
    """
    masked = [i for i in range(project.clip.frame_count) if _has_mask(project, i)][:max_frames]
    if not masked:
        raise TrainingDataError("The project has no object masks: draw the object on a few "
                                "frames and propagate them before fine-tuning.")
    size = scaled_size((project.clip.height, project.clip.width), frame_height, crop)
    radius = max(1, round(grow * size[0]))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)

    clips: list[FootageClip] = []
    shapes: list[np.ndarray] = []
    previous = None
    for done, index in enumerate(masked):
        cancel.raise_if_cancelled()
        progress(done, len(masked), "reading the project's frames")
        frame = np.ascontiguousarray(scale_to(np.asarray(frame_of(index)), size))
        mask = scale_to(project.removal_mask(index), size, nearest=True)
        unknown = cv2.dilate((mask > 0).astype(np.uint8), kernel) > 0
        if previous is None or index != previous + 1:
            clips.append(FootageClip(f"frame {index}", [], [], []))
        clips[-1].frames.append(frame)
        clips[-1].unknown.append(unknown)
        shapes.append(mask)
        previous = index
    progress(len(masked), len(masked), "frames read")

    step = max(1, len(shapes) // MAX_SHAPES)
    silhouettes = [s for s in (shape_of(m) for m in shapes[::step]) if s is not None]
    clips[0].shapes = silhouettes  # the hole generator pools every clip's shapes: give them once
    return clips


def _has_mask(project: Project, index: int) -> bool:
    mask = project.removal_mask(index)
    return mask is not None and bool(mask.any())
