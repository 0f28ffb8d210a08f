"""A small synthetic clip for the render tests: textured background panning right, a flat box
(the object to remove) moving left, its mask on every frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from core.project import ClipRef, MaskKind, new_project

WIDTH, HEIGHT = 96, 64


def background(i: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """Frame ``i`` of the clean clip: smooth texture shifted 1.5 px right per frame."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    x = xx - 1.5 * i
    r = 128 + 60 * np.sin(x / 5.0) + 30 * np.cos(yy / 7.0)
    g = 128 + 50 * np.sin((x + yy) / 9.0)
    b = 128 + 70 * np.cos(x / 11.0 - yy / 6.0)
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def box_mask(i: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    left = 50 - i
    mask[20:40, max(0, left):max(0, left + 16)] = 255
    return mask


def frames_and_masks(count: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``count`` frames with the box drawn in, and its masks."""
    frames, masks = [], []
    for i in range(count):
        frame, mask = background(i), box_mask(i)
        frame[mask > 0] = (250, 20, 200)
        frames.append(frame)
        masks.append(mask)
    return frames, masks


def synthetic_project(count: int = 24, working_width: int = 480):
    """``(project, frames, masks)``: a one-object project with a mask on every frame."""
    frames, masks = frames_and_masks(count)
    clip = ClipRef(Path("synthetic.mp4"), WIDTH, HEIGHT, count, Fraction(25))
    project = new_project(clip)
    object_id = project.objects[0].id
    for i, mask in enumerate(masks):
        project.set_mask(object_id, i, mask, MaskKind.KEYFRAME)
    project.update_settings(working_width=working_width)
    return project, frames, masks


def write_clip(root: Path, frames: list[np.ndarray], masks: list[np.ndarray]) -> Path:
    """``root/frames/00000.png...`` and ``root/masks/00000.png...``: a clip and its masks on disk,
    as ``main.py`` reads them; returns ``root``."""
    import cv2

    (root / "frames").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, (frame, mask) in enumerate(zip(frames, masks)):
        cv2.imwrite(str(root / "frames" / f"{i:05d}.png"), frame[:, :, ::-1])
        cv2.imwrite(str(root / "masks" / f"{i:05d}.png"), mask)
    return root
