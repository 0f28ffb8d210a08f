"""A clip folder with ground truth: ``frames/`` (numbered images) and ``masks/`` (one 0/255 mask
per frame, same numbers), as the DAVIS clips in ``/work/shared/data`` are laid out. Found and read
by the rotoscoping evals (:mod:`core.eval.roto_eval`, :mod:`core.eval.roto_interactive`), the
rotoscoping network's training examples (:mod:`core.roto.matte_training_data`) and the commands
that train on such folders (``main.py train-roto``, ``train-refiner``), so it lives below them all."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import VideoError
from core.masks import read_mask_folder
from core.video import open_clip


def is_clip_folder(folder: Path) -> bool:
    """``folder`` holds ``frames/`` and ``masks/``."""
    return (folder / "frames").is_dir() and (folder / "masks").is_dir()


def clip_folders(data_root: Path, names: list[str] | None = None) -> list[Path]:
    """The clip folders of ``data_root`` that hold both ``frames/`` and ``masks/``, by name."""
    folders = sorted(p for p in data_root.iterdir() if is_clip_folder(p)) if data_root.is_dir() else []
    if names is not None:
        folders = [p for p in folders if p.name in set(names)]
    if not folders:
        raise VideoError(
            f"'{data_root}' has no clip folder with frames/ and masks/; point it at a data root such as "
            "/work/shared/data."
        )
    return folders


def read_clip_with_masks(folder: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(frames, masks)`` of a clip folder: ``(H, W, 3)`` uint8 RGB and ``(H, W)`` uint8 0/255 each."""
    with open_clip(folder / "frames") as reader:
        frames = list(reader.frames())
        info = reader.info
    by_frame = read_mask_folder(folder / "masks", info)
    missing = [f for f in range(len(frames)) if f not in by_frame]
    if missing:
        raise VideoError(f"'{folder / 'masks'}' has no mask for frame {missing[0]}; give one mask per frame.")
    return frames, [by_frame[f] for f in range(len(frames))]
