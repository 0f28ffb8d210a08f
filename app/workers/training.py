"""Fine-tuning the removal network on the open project's clip, as a job (``core.train``).

The same steps as ``main.py finetune``: the project's masked frames become footage whose object
pixels are never truth (``core.train.finetune.project_footage``), flows between them are computed,
and ``core.train.train`` runs. The project is snapshotted when the task is made, so edits made
while it trains do not change what it trains on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from app.workers.frames import open_reader
from core.project import Project
from core.project_snapshot import snapshot

FRESH_SIZES = ("tiny", "base")
_LOSS = re.compile(r"\bloss (\S+)")


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
        from core.train import SampleSettings, TrainSettings, train
        from core.train.finetune import project_footage
        from core.train.samples import samples_from_clips

        with opener(project.clip.path) as reader:
            clips = project_footage(project, reader.frame, frame_height=options.frame_height, crop=options.crop,
                                    progress=_stage(progress, "Reading frames"), cancel=cancel)
        samples = samples_from_clips(clips, SampleSettings(crop=options.crop, seed=options.seed),
                                     max_pairs=options.max_pairs, progress=_stage(progress, "Computing flow"),
                                     cancel=cancel)
        settings = TrainSettings(
            steps=options.steps, batch=options.batch, lr=options.lr, device=options.device,
            workers=0,  # no forked loader processes inside the window
            log_every=max(1, min(50, options.steps // 10)), save_every=max(100, options.steps), seed=options.seed)

        def training(done: int, total: int, message: str) -> None:
            loss = loss_in(message)
            if loss is not None:
                on_loss(done, loss)
            progress(done, total, f"Fine-tuning: {message}")

        run_info = {"finetuned_on": str(project.clip.path), "init": str(options.init) if options.init else None,
                    "pairs": len(samples.flows), "from": "window"}
        options.output.parent.mkdir(parents=True, exist_ok=True)
        return train(options.output, samples, settings,
                     config=None if options.init else build_model(options.fresh_size).config,
                     init=options.init, run_info=run_info, progress=training, cancel=cancel)

    return run


def loss_in(message: str) -> float | None:
    """The loss in ``core.train``'s progress message (``"loss 0.1234 ETA 12s"``), or None."""
    match = _LOSS.search(message)
    try:
        value = float(match.group(1)) if match else None
    except ValueError:
        return None
    return value if value is not None and value == value else None  # NaN before the first loss


def _stage(progress, label: str):
    return lambda done, total, message="": progress(done, total, f"{label}…")
