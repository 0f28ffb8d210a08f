"""Small footage for the training tests: a panning textured clip with an object mask, stills,
and a clip to hold out. Everything tiny, so a training step takes a fraction of a second."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

CLIP_FRAMES = 24
FRAME_SIZE = (64, 96)  # (H, W)


def texture(height: int, width: int, seed: int) -> np.ndarray:
    """Smooth random colour texture with some edges, ``(H, W, 3)`` uint8."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, size=(height // 8 + 1, width // 8 + 1, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    fine = rng.uniform(-20, 20, size=(height, width, 3)).astype(np.float32)
    return np.clip(smooth + fine, 0, 255).astype(np.uint8)


def write_clip(folder: Path, frames: int, size=FRAME_SIZE, seed: int = 0,
               square: bool = False) -> None:
    """``folder/frames/*.png``: a wide texture panning 1 px per frame; ``folder/masks/*.png``:
    a moving ellipse (or a square, ``square=True``)."""
    h, w = size
    world = texture(h, w + frames + 4, seed)
    (folder / "frames").mkdir(parents=True)
    (folder / "masks").mkdir()
    for i in range(frames):
        cv2.imwrite(str(folder / "frames" / f"{i:05d}.png"), world[:, i:i + w, ::-1])
        mask = np.zeros((h, w), np.uint8)
        if square:
            mask[10:50, 20:60] = 255
        else:
            cv2.ellipse(mask, (30 + i, 32), (14, 22), 0, 0, 360, 255, -1)
        cv2.imwrite(str(folder / "masks" / f"{i:05d}.png"), mask)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """One thread: these models are tiny, and two spinning threads on two shared cores can be
    ten times slower than one."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def footage_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("footage")
    write_clip(root / "clipA", CLIP_FRAMES)
    write_clip(root / "heldout", 8, seed=5, square=True)
    (root / "stills").mkdir()
    cv2.imwrite(str(root / "stills" / "wall.png"), texture(80, 100, 1))
    cv2.imwrite(str(root / "stills" / "floor.jpg"), texture(70, 120, 2))
    logo = np.zeros((64, 96), np.uint8)
    logo[20:40, 30:70] = 255
    cv2.imwrite(str(root / "stills" / "logo_mask.png"), logo)  # a static mask, not a picture
    return root
