"""Fine-tuning the removal network on the open project's clip, as a job (``core.train``).

The same function as ``main.py finetune`` (``core.train.finetune.finetune_project``): the
project's masked frames become footage whose object pixels are never truth, flows between them
are computed, and the training loop runs. The project is snapshotted when the task is made, so edits made
while it trains do not change what it trains on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from app.workers.frames import open_reader
from core.project import Project
from core.project_snapshot import snapshot

FRESH_SIZES = ("tiny", "base")


@dataclass(frozen=True)
class FinetuneOptions:
    output: Path  # the model file; its .train.pt and .losses.csv are written beside it
    init: Path | None = None  # the model to start from; None: a fresh model of ``fresh_size``
    fresh_size: str = "base"
    steps: int = 300
    batch: int = 4
    lr: float = 1e-4
    crop: tuple[int, int] = (240, 240)  # training crop (H, W), pixels, multiples of 8
    frame_height: int = 240  # frames are scaled to this height first
    max_pairs: int = 1000  # frame pairs whose flow is computed
    device: str = "auto"
    seed: int = 0


def finetune_task(project: Project, options: FinetuneOptions, opener: Callable = open_reader, *,
                  on_loss: Callable[[int, float], None] = lambda step, loss: None):
    """``fn(progress, cancel) -> core.train.TrainResult``; ``on_loss(step, loss)`` after each
    optimizer step (called from the job's thread). Cancelling saves a checkpoint first."""
    project = snapshot(project)

    def run(progress, cancel):
        from core.model import build_model
        from core.train import TrainSettings
        from core.train.finetune import finetune_project

        settings = TrainSettings(
            steps=options.steps, batch=options.batch, lr=options.lr, device=options.device,
            workers=0,  # no forked loader processes inside the window
            log_every=max(1, min(50, options.steps // 10)), save_every=max(100, options.steps),
            seed=options.seed)
        fresh = None if options.init else build_model(options.fresh_size).config
        with opener(project.clip.path) as reader:
            return finetune_project(
                project, reader.frame, options.output, settings, init=options.init,
                fresh_config=fresh, crop=options.crop, frame_height=options.frame_height,
                max_pairs=options.max_pairs, run_info={"from": "window"},
                progress=lambda done, total, message="": progress(done, total, f"Fine-tuning: {message}"),
                cancel=cancel, on_step=on_loss)

    return run
