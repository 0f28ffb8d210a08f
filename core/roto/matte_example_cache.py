"""The rotoscoping network's training examples, kept on disk between runs.

Building examples is the costly part of ``main.py train-roto``: one whole propagation (flows, the
clip refiner's training, the carry) per clip and keyframe layout, 10 to 40 s each on two CPU
cores. Each propagation's mattes are kept in one compressed ``.npz`` (masks compress well) under
``$KEYFILL_CACHE/roto-examples`` or ``~/.cache/keyfill/roto-examples`` (outside the repository),
named by the clip, the layout and a key of what the mattes depend on: :data:`EXAMPLES_VERSION`
(raise it when the propagation changes what it carries), the pretrained clip refiner it starts
from, the clip's length and the working size. A rerun or a resumed run reads them back.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from core.atomic_write import atomic_path
from core.roto.clip_refiner_weights import pretrained_refiner_identity

EXAMPLES_VERSION = "roto-examples-2"  # the propagation as of eae9aa2 (clip refiner on, bf16 refining), no network
# roto-examples-1: the propagation as in the working tree of 07:20 on 2026-12-07 (before 6ca371b), the
# examples of the first 24-sequence run (docs/training.md)


def default_example_cache() -> Path:
    """``$KEYFILL_CACHE/roto-examples`` or ``~/.cache/keyfill/roto-examples``."""
    root = os.environ.get("KEYFILL_CACHE") or Path.home() / ".cache" / "keyfill"
    return Path(root) / "roto-examples"


def example_file(cache: Path, clip: str, layout: str, frame_count: int, size: tuple[int, int]) -> Path:
    """Where the mattes of ``clip`` propagated in ``layout`` are kept."""
    key = repr((EXAMPLES_VERSION, pretrained_refiner_identity(), frame_count, tuple(size)))
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    safe_layout = re.sub(r"[^A-Za-z0-9+-]", "_", layout)
    return Path(cache) / clip / f"{safe_layout}-{digest}.npz"


def read_examples(path: Path) -> tuple[list[int], np.ndarray] | None:
    """``(frames, mattes (n, h, w) uint8)`` kept at ``path``, or None when there are none (or
    the file is unreadable: it is then made again)."""
    try:
        with np.load(path) as saved:
            return [int(f) for f in saved["frames"]], saved["mattes"]
    except (OSError, KeyError, ValueError, EOFError):
        return None


def write_examples(path: Path, frames: list[int], mattes: list[np.ndarray]) -> None:
    """Keep a propagation's mattes (uint8, one per frame of ``frames``) at ``path``, atomically."""
    stack = np.stack(mattes) if mattes else np.zeros((0, 1, 1), np.uint8)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, frames=np.asarray(frames, np.int32), mattes=stack.astype(np.uint8))
