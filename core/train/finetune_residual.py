"""Fine-tuning the removal network that corrects the flow fill on the user's own clip (issue 13).

The clip's frames with a mask are the footage; the object (its mask, grown) is *unknown*: it is
inside every hole, so no fill ever reads it, and no loss or score looks at it. Moving holes shaped
and moving like the object itself are placed elsewhere over the background the clip shows, the
flow fill is computed on them exactly as the renderer will (:mod:`core.train.prealign_data`), and
the shipped weights are trained from there for a few minutes. A few examples made with another
seed are held out: the flow fill, the starting weights and the tuned weights are scored on them
(hole PSNR on known pixels), before, during and after training. The weights that score best
there are the ones written, the starting weights included: a tune never ends worse on the clip's
own held-out holes than it started (with 20 training holes, the last step's weights sometimes did:
stop 13's eval, dance-jump -0.30 dB).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.train.finetune_options import FinetuneOptions
from core.train.footage import TrainingDataError
from core.train.prealign_data import ExampleSettings, make_clip_examples
from core.train.prealign_samples import ClipExamples, CropSettings, PrealignSamples
from core.train.project_footage import project_footage

TRAIN_EXAMPLES = ExampleSettings(tracks=4, targets=5, seed=0)
HELD_OUT_EXAMPLES = ExampleSettings(tracks=1, targets=4, seed=1)
VALIDATE_EVERY = 50  # steps between live validations


@dataclass
class FinetuneScores:
    """Hole PSNR (dB) on the held-out examples of the user's clip."""

    flow_fill: float
    before: float     # the starting weights
    after: float      # the tuned weights
    history: list[tuple[int, float]]  # (step, network PSNR) during training


def finetune_residual(project: Project, frame_of: Callable[[int], np.ndarray], output: str | Path,
                      options: FinetuneOptions, *, run_info: dict | None = None, started: float | None = None,
                      progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
                      log: Callable[[str], None] = lambda line: None,
                      on_step: Callable[[int, float], None] | None = None,
                      on_validation: Callable[[int, float], None] | None = None,
                      on_baseline: Callable[[float, float], None] | None = None):
    """Fine-tune ``options.init`` (a ``residual_rgb`` checkpoint) on ``project``'s clip; writes ``output``.
    Returns ``(TrainResult, FinetuneScores)``. ``on_validation(step, psnr)`` reports the held-out
    hole PSNR every ``VALIDATE_EVERY`` steps; ``on_baseline(flow_fill, before)`` the flow fill's
    and the starting weights' before training (dB)."""
    from core.model import load_checkpoint, save_checkpoint
    from core.train.loop import train
    from core.train.prealign_validation import validate

    settings, init, resume, crop = options.train, options.init, options.resume, options.crop
    clips = [c for c in project_footage(project, frame_of, frame_height=options.frame_height, crop=crop,
                                        progress=_stage(progress, "Reading frames"), cancel=cancel)
             if len(c.frames) >= 2]
    if not clips:
        raise TrainingDataError("Fine-tuning needs at least two neighbouring frames with a mask; "
                                "propagate the masks first.")
    donors = [(c.frames, [u.astype(np.uint8) * 255 for u in c.unknown]) for c in clips]
    total = sum(len(c.frames) for c in clips)
    examples, held_out = [], []
    for done, clip in enumerate(clips):
        share = len(clip.frames) / total
        mine = _share_of(TRAIN_EXAMPLES, share)
        progress(done, len(clips), f"Filling training holes: {clip.name}")
        examples.append(ClipExamples(clip.name, clip.frames, make_clip_examples(
            clip.name, clip.frames, donors, mine, unknown=clip.unknown, cancel=cancel)))
    largest = max(clips, key=lambda c: len(c.frames))
    held_out.append(ClipExamples(largest.name, largest.frames, make_clip_examples(
        largest.name, largest.frames, donors, HELD_OUT_EXAMPLES, unknown=largest.unknown, cancel=cancel)))
    progress(len(clips), len(clips), "Training holes filled")

    start_model, _ = load_checkpoint(init)
    first = validate(start_model, held_out, cancel=cancel)
    log(f"held out: flow fill {first['flow fill']:.2f} dB, starting weights {first['network']:.2f} dB "
        f"in the hole ({len(held_out[0])} frames)")
    if on_baseline is not None:
        on_baseline(first["flow fill"], first["network"])
    history: list[tuple[int, float]] = []
    best = _Best(first["network"], 0, start_model)

    def after_step(step: int, model) -> None:
        if step % VALIDATE_EVERY == 0 or step == settings.steps:
            psnr = validate(model, held_out, cancel=cancel)["network"]
            history.append((step, psnr))
            best.offer(psnr, step, model)
            log(f"step {step}: held-out hole PSNR {psnr:.2f} dB")
            if on_validation is not None:
                on_validation(step, psnr)

    info = {"finetuned_on": str(project.clip.path), "init": str(init), "examples": sum(len(e) for e in examples),
            **(run_info or {})}
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    samples = PrealignSamples(examples, CropSettings(crop=crop, seed=settings.seed,
                                                     candidates=start_model.config.candidate_inputs > 0))
    result = train(output, samples, settings, init=None if resume else init, resume=resume,
                   run_info=info, started=started, progress=progress, cancel=cancel, log=log,
                   on_step=on_step, after_step=after_step)
    tuned, extra = load_checkpoint(output)
    after = validate(tuned, held_out, cancel=cancel)["network"]
    if best.psnr > after:
        tuned.load_state_dict(best.state)
        save_checkpoint(output, tuned, extra={**extra, "kept_step": best.step})
        log(f"kept the weights of step {best.step} ({best.psnr:.2f} dB held out; the last step's: {after:.2f})"
            if best.step else f"kept the starting weights: no step beat them held out ({after:.2f} dB "
            f"at the end against {best.psnr:.2f})")
        after = best.psnr
    scores = FinetuneScores(first["flow fill"], first["network"], after, history)
    log(f"held out after fine-tuning: {scores.after:.2f} dB (starting weights {scores.before:.2f}, "
        f"flow fill {scores.flow_fill:.2f})")
    return result, scores


def _share_of(settings: ExampleSettings, share: float) -> ExampleSettings:
    """``settings`` for a part of the clip holding ``share`` of its frames: as many holes of each
    kind in proportion, at least one in all."""
    tracks, locked, shifted = (round(n * share) for n in (settings.tracks, settings.locked, settings.shifted))
    if tracks + locked + shifted == 0:
        tracks, locked, shifted = ((1, 0, 0) if settings.tracks else (0, 0, 1) if settings.shifted
                                   else (0, 1, 0))
    return replace(settings, tracks=tracks, locked=locked, shifted=shifted)


class _Best:
    """The weights with the best held-out hole PSNR so far (a copy, on the CPU)."""

    def __init__(self, psnr: float, step: int, model) -> None:
        self.psnr, self.step, self.state = psnr, step, _copy(model)

    def offer(self, psnr: float, step: int, model) -> None:
        if psnr > self.psnr:
            self.psnr, self.step, self.state = psnr, step, _copy(model)


def _copy(model) -> dict:
    return {name: value.detach().to("cpu", copy=True) for name, value in model.state_dict().items()}


def _stage(progress: ProgressFn, label: str) -> ProgressFn:
    return lambda done, total, message="": progress(done, total, f"{label}: {message}")
