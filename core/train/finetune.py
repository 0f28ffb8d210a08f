"""Fine-tuning on the user's own clip: the footage is the project's clip, the truth is only what
the clip shows *outside* the objects being removed.

Every frame with a removal mask becomes training footage whose ``unknown`` pixels are that mask,
grown a little (masks are drawn tight, and the object's blur and shadow spill past them). Those
pixels are always hidden in a target and in its keyframes and never enter the loss; random holes
over the rest of the frame, many shaped like the object itself, give the network the clip's own
background to learn from. Frames without a mask are left out: there the object may be visible
and unmarked, and the network must never learn to paint it back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.train.finetune_options import FinetuneOptions
from core.train.project_footage import project_footage

if TYPE_CHECKING:
    from core.train.loop import TrainResult


def finetune_project(project: Project, frame_of: Callable[[int], np.ndarray], output: str | Path,
                     options: FinetuneOptions, *, run_info: dict[str, Any] | None = None,
                     started: float | None = None, progress: ProgressFn = no_progress,
                     cancel: CancelToken = NEVER_CANCELLED,
                     log: Callable[[str], None] = lambda line: None,
                     on_step: Callable[[int, float], None] | None = None,
                     on_validation: Callable[[int, float], None] | None = None,
                     on_baseline: Callable[[float, float], None] | None = None) -> "TrainResult":
    """Fine-tune on ``project``'s clip and save to ``output`` (``main.py finetune`` and the
    window's Training panel both run this).

    ``options``: what the run does (:class:`FinetuneOptions`; it starts from ``options.init``, else
    a fresh model of ``options.fresh_config``, else, with ``options.resume``, the run saved beside
    ``output``). Progress messages name the stage
    ("reading frames", "computing flow", then the training's "loss ... ETA ..."); ``on_step``
    gets ``(step, loss)`` for live plots. A model that corrects the flow fill is scored on
    held-out holes of the clip: ``on_baseline(flow_fill, before)`` once before training and
    ``on_validation(step, psnr)`` during it (hole PSNR, dB; see ``finetune_residual``), and the
    result's ``scores`` are set. Raises TrainingDataError when no frame has a mask.
    """
    from core.train.loop import train
    from core.train.samples import SampleSettings, samples_from_clips

    init, resume, fresh_config, settings = options.init, options.resume, options.fresh_config, options.train
    if init is not None and not resume and corrects_flow_fill(init) or \
            fresh_config is not None and fresh_config.output == "residual_rgb":
        from core.train.finetune_residual import finetune_residual

        if init is None:  # a fresh correction: it starts as the flow fill exactly
            import torch

            from core.model import KeyframePropagationNet, save_checkpoint

            torch.manual_seed(settings.seed)
            init = save_checkpoint(Path(output).with_name(Path(output).name + ".start.pt"),
                                   KeyframePropagationNet(fresh_config))
        result, scores = finetune_residual(
            project, frame_of, output, replace(options, init=Path(init)), run_info=run_info, started=started,
            progress=progress, cancel=cancel, log=log, on_step=on_step, on_validation=on_validation,
            on_baseline=on_baseline)
        result.scores = scores
        return result
    clips = project_footage(project, frame_of, frame_height=options.frame_height, crop=options.crop,
                            progress=_stage(progress, "Reading frames"), cancel=cancel)
    samples = samples_from_clips(clips, SampleSettings(crop=options.crop, seed=settings.seed),
                                 max_pairs=options.max_pairs, progress=_stage(progress, "Computing flow"),
                                 cancel=cancel)
    log(f"{sum(len(c.frames) for c in clips)} masked frames of {project.clip.path.name}, "
        f"flow for {len(samples.flows)} frame pairs")
    info = {"finetuned_on": str(project.clip.path), "init": str(init) if init else None,
            "pairs": len(samples.flows), **(run_info or {})}
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    return train(output, samples, settings, config=None if (init or resume) else fresh_config,
                 init=None if resume else init, resume=resume, run_info=info, started=started,
                 progress=progress, cancel=cancel, log=log, on_step=on_step)


def _stage(progress: ProgressFn, label: str) -> ProgressFn:
    return lambda done, total, message="": progress(done, total, f"{label}: {message}")


def corrects_flow_fill(path: str | Path) -> bool:
    from core.model import load_checkpoint

    model, _ = load_checkpoint(path)
    return model.config.output == "residual_rgb"


def default_init(repo_root: Path) -> Path | None:
    """The shipped base model, ``resources/models/keyfill-base.pt``, if it is there."""
    path = repo_root / "resources" / "models" / "keyfill-base.pt"
    return path if path.is_file() else None
