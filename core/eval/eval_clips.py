"""The removal eval's clean clips and the masks that hide them, read from the data folder at
``EVAL_SIZE``: running_car (a stretch of it), tennis, DAVIS sequences, their own object masks, and
other sequences' masks borrowed as holes (grown by ``MASK_DILATE``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from core.errors import VideoError

EVAL_SIZE = (432, 240)  # (width, height) pixels
MASK_DILATE = 4  # pixels the borrowed masks are grown by
RUNNING_CAR_START = 110  # a stretch without cuts or whip pans


def running_car(data_root: Path, frames: int) -> list[np.ndarray]:
    from core.video import open_clip

    with open_clip(data_root / "running_car" / "running_car.mp4") as reader:
        stop = min(len(reader), RUNNING_CAR_START + frames)
        return [cv2.resize(f, EVAL_SIZE, interpolation=cv2.INTER_AREA)
                for f in reader.frames(RUNNING_CAR_START, stop)]


def tennis(data_root: Path, frames: int) -> list[np.ndarray]:
    files = sorted((data_root / "tennis" / "frames").glob("*.png"))[:frames]
    if not files:
        raise VideoError(f"No tennis frames in {data_root / 'tennis' / 'frames'}; check the data folder.")
    return [cv2.resize(cv2.imread(str(f), cv2.IMREAD_COLOR)[:, :, ::-1], EVAL_SIZE, interpolation=cv2.INTER_AREA)
            for f in files]


def davis(folder: Path, frames: int) -> list[np.ndarray]:
    files = sorted((folder / "frames").glob("*.jpg"))[:frames]
    return [cv2.resize(cv2.imread(str(f), cv2.IMREAD_COLOR)[:, :, ::-1], EVAL_SIZE, interpolation=cv2.INTER_AREA)
            for f in files]


def own_masks(folder: Path, frames: int) -> list[np.ndarray] | None:
    """The clip's own object masks at ``EVAL_SIZE`` (``None`` when it has none)."""
    files = sorted((folder / "masks").glob("*.png"))[:frames]
    if len(files) < frames:
        return None
    return [cv2.resize(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE), EVAL_SIZE, interpolation=cv2.INTER_NEAREST)
            for f in files]


def borrowed_masks(folder: Path, frames: int) -> list[np.ndarray]:
    files = sorted(folder.glob("*.png"))
    if not files:
        raise VideoError(f"No masks in {folder}; check the data folder.")
    period = max(1, 2 * len(files) - 2)
    files = [files[p if p < len(files) else period - p] for p in (i % period for i in range(frames))]
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * MASK_DILATE + 1, 2 * MASK_DILATE + 1))
    masks = []
    for f in files:
        mask = cv2.resize(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE), EVAL_SIZE, interpolation=cv2.INTER_NEAREST)
        masks.append(cv2.dilate((mask > 0).astype(np.uint8) * 255, disc))
    return masks
