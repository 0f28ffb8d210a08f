"""A clip folder with ground truth: ``frames/`` (numbered images) and ``masks/`` (one 0/255 mask
per frame, same numbers), as the DAVIS clips in ``/work/shared/data`` are laid out. Read by the
rotoscoping evals (:mod:`core.eval.roto_eval`) and the rotoscoping network's training examples
(:mod:`core.roto.matte_training_data`), so it lives below both."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import VideoError
from core.masks import read_mask_folder
from core.video import open_clip


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
