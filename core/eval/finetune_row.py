"""The removal eval's ``network + fine-tuning`` row: the shipped network tuned on the case's own
clip, as ``main.py finetune`` and the window's Training panel do, then rendered like the
``network`` row.

The tuning sees only what a user's clip would give it: the frames with the hidden region
painted over, and that region as the object's mask (never inside it: it is left out of every
loss, :mod:`core.train.finetune_residual`). Its time counts in the row's seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.render.model_finder import RemovalModel, load_removal_model
from core.train.finetune import FinetuneOptions, finetune_project
from core.train.loop import TrainOptions

FINETUNE_METHOD = "network + fine-tuning"
STEPS = 200       # main.py finetune's default for the shipped model
BATCH = 4
LEARNING_RATE = 3e-4
CROP = (192, 192)


def finetuned_model(project: Project, frame_of: Callable[[int], np.ndarray], model: RemovalModel,
                    folder: Path, *, steps: int | None = None, progress: ProgressFn = no_progress,
                    cancel: CancelToken = NEVER_CANCELLED) -> RemovalModel:
    """``model`` fine-tuned on ``project``'s clip (``frame_of``: its frames as the user has them),
    written into ``folder`` and loaded on the same device."""
    steps = steps or STEPS
    out = folder / f"{project.clip.path.stem}-tuned.pt"
    settings = TrainOptions(steps=steps, batch=BATCH, lr=LEARNING_RATE, device=str(model.device),
                             log_every=max(1, steps // 4), save_every=steps, seed=0)
    options = FinetuneOptions(settings, init=model.path, crop=CROP, frame_height=min(240, frame_of(0).shape[0]))
    finetune_project(project, frame_of, out, options, progress=progress, cancel=cancel)
    return load_removal_model(out, device=str(model.device))
