"""Fine-tuning the removal network on the open project's clip, as a job (``core.train``).

The same function as ``main.py finetune`` (``core.train.finetune.finetune_project``): the
project's masked frames become footage whose object pixels are never truth. From the shipped
model (which corrects the flow fill), moving holes over the background the clip shows are filled
by the flow fill and the model learns to correct them, scored on held-out holes of the same clip;
from an older or a fresh model, flows between the frames are computed and the training loop runs.
The project is snapshotted when the task is made, so edits made while it trains do not change
what it trains on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from app.workers.frames import open_reader
from core.project import Project
from core.project_snapshot import snapshot

FRESH_SIZES = ("tiny", "base")
MODEL_SUFFIX = ".keyfill-model.pt"


@dataclass(frozen=True)
class FinetuneChoice:
    """The fine-tuning the user set up in the Training panel (its fields, in the window's terms: a
    model size by name, not a config); :func:`finetune_task` turns it into core's
    :class:`core.train.FinetuneOptions`."""

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

    @classmethod
    def starting_from(cls, output: Path, init: Path | None = None, fresh_size: str = "base",
                      *, residual: bool | None = None, **changes) -> "FinetuneChoice":
        """The defaults for ``init``: those that fit a laptop (200 steps, batch 4, 3e-4, 192 px
        crops of frames 240 high, ``core.train.finetune_estimate.LAPTOP``) when it corrects the
        flow fill (the shipped model), else the older defaults. ``residual``: whether it does, if
        the caller knows (else the checkpoint is read)."""
        from core.train.finetune_estimate import LAPTOP  # not at import: a build may lack core/train

        if residual is None:
            residual = init is not None and corrects_flow_fill(init)
        laptop = dataclasses.asdict(LAPTOP) if residual else {}
        return cls(output=Path(output), init=init, fresh_size=fresh_size, **{**laptop, **changes})


@dataclass(frozen=True)
class FinetuneReports:
    """What the run reports while it runs, each called from the job's thread (emit signals)."""

    on_step: Callable[[int, float], None] = lambda step, loss: None
    on_validation: Callable[[int, float], None] = lambda step, psnr: None  # held-out hole PSNR, dB
    on_baseline: Callable[[float, float], None] = lambda flow_fill, before: None  # dB, before training


def corrects_flow_fill(path: Path) -> bool:
    """Whether the model file ``path`` corrects the flow fill (the shipped kind); False for a file
    that does not load (the run itself will say why)."""
    from core.errors import KeyfillError
    from core.train.finetune import corrects_flow_fill as reads_as_residual

    try:
        return reads_as_residual(path)
    except (KeyfillError, OSError):
        return False


def default_model_file(project: Project) -> Path:
    """Where a project's tuned weights go: ``<project stem>.keyfill-model.pt`` beside the saved
    project, else ``<clip stem>.keyfill-model.pt`` beside the clip."""
    if project.path is not None:
        return project.path.with_name(project.path.stem + MODEL_SUFFIX)
    clip = project.clip.path
    return clip.with_name((clip.stem if clip.suffix else clip.name) + MODEL_SUFFIX)


def check_finetune_output(project: Project, options: FinetuneChoice) -> None:
    """Refuse writing the model over the project, its clip or the model it starts from
    (:class:`core.errors.KeyfillError`); an existing model file is replaced, as every run does."""
    from core.output_paths import check_outputs, output_for

    check_outputs([output_for(options.output, "The model file")],
                  {"the project": project.path, "the project's clip": project.clip.path,
                   "the model it starts from": options.init}, overwrite=True)


def finetune_task(project: Project, options: FinetuneChoice, opener: Callable = open_reader, *,
                  reports: FinetuneReports = FinetuneReports()):
    """``fn(progress, cancel) -> core.train.TrainResult`` (with ``scores`` when the model corrects
    the flow fill). Cancelling saves a checkpoint first. Raises a KeyfillError now, on the
    caller's thread, for an output that would replace an input."""
    check_finetune_output(project, options)
    project = snapshot(project)

    def run(progress, cancel):
        from core.model import build_model
        from core.train import FinetuneOptions, TrainOptions
        from core.train.finetune import finetune_project

        settings = TrainOptions(
            steps=options.steps, batch=options.batch, lr=options.lr, device=options.device,
            workers=0,  # no forked loader processes inside the window
            log_every=max(1, min(50, options.steps // 10)), save_every=max(100, options.steps),
            seed=options.seed)
        fresh = None if options.init else build_model(options.fresh_size).config
        tuning = FinetuneOptions(settings, init=options.init, fresh_config=fresh, crop=options.crop,
                                 frame_height=options.frame_height, max_pairs=options.max_pairs)
        with opener(project.clip.path) as reader:
            return finetune_project(
                project, reader.frame, options.output, tuning, run_info={"from": "window"},
                progress=lambda done, total, message="": progress(done, total, f"Fine-tuning: {message}"),
                cancel=cancel, on_step=reports.on_step, on_validation=reports.on_validation,
                on_baseline=reports.on_baseline)

    return run
