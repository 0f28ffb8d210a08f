"""Pretraining the clip refiner on many clips (``main.py train-refiner``), as OSVOS pretrains its
parent network before fine-tuning it on each video.

A clip's refiner (:mod:`core.roto.clip_refiner`) learns this clip's object from its keyframes in a
few hundred steps. What does not depend on the clip (that a matte's outline belongs on an edge
of the frame, how mattes carried along flow go wrong) can be learned once, from clips with a true
mask on every frame, and each clip's training started from there
(:mod:`core.roto.clip_refiner_weights`).

The examples are those of a clip's own training (:mod:`core.roto.clip_refiner_examples`), with
propagation's real errors for priors: every :data:`FRAME_STRIDE`-th frame showing the object,
with the true masks of the frames :data:`CARRY_DISTANCES` away carried to it along the clip's
flow (:func:`~core.roto.prior_deform.carried_prior`) and, as in a clip's training, its own mask
deformed at random. The loop is the clip's (:func:`~core.roto.clip_refiner_training.training_step`),
with the learning rate decayed along a cosine; the weights are written (small: 38 k numbers)
when the steps or the time limit are done.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from core.clip_folder import read_clip_with_masks
from core.errors import SettingsError
from core.flow import FlowField
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, StagedProgress, no_progress
from core.roto.clip_refiner_examples import Example, outline, to_working
from core.roto.clip_refiner_net import CHANNELS
from core.roto.clip_refiner_training import LEARNING_RATE, new_net, training_step
from core.roto.clip_refiner_weights import save_refiner_weights
from core.roto.matte_model import working_frame_size
from core.roto.prior_deform import carried_prior

FRAME_STRIDE = 6  # every 6th frame of a clip is an example (neighbours look alike)
CARRY_DISTANCES = (-6, -3, 3, 6)  # its priors: the true masks of these frames carried to it
LOSS_EVERY = 50  # steps per mean loss kept in the training record
FINAL_LEARNING_RATE = 0.1  # of the first, at the end of the cosine


@dataclass(frozen=True)
class PretrainSettings:
    """steps: optimizer steps (1 to 1,000,000); frame_stride: frames between examples of a clip
    (1 to 1000); time_limit: seconds after which the weights are written as they are (None: no
    limit); seed: the batches and the starting weights; channels: the network's width (4 to 128;
    each clip's refiner takes the width of the weights it starts from)."""

    steps: int = 1000
    frame_stride: int = FRAME_STRIDE
    learning_rate: float = LEARNING_RATE
    time_limit: float | None = None
    seed: int = 0
    channels: int = CHANNELS

    def __post_init__(self) -> None:
        for name, low, high in (("steps", 1, 1_000_000), ("frame_stride", 1, 1000), ("channels", 4, 128)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise SettingsError(f"The refiner pretraining's {name} {value!r} is out of range ({low} to {high})",
                                    "give a whole number in that range")
        if not 0 < self.learning_rate <= 1:
            raise SettingsError(f"The learning rate {self.learning_rate!r} is out of range (above 0, at most 1)",
                                f"give one such as {LEARNING_RATE}")
        if self.time_limit is not None and not self.time_limit > 0:
            raise SettingsError(f"The time limit {self.time_limit!r} is not a positive number of seconds",
                                "give seconds above 0, or none")


@dataclass
class PretrainResult:
    path: Path
    steps: int  # taken (fewer than asked when the time limit came first)
    stopped: str  # "done" or "time limit"
    examples: int
    seconds: float
    losses: list[float] = field(default_factory=list)  # mean loss of each LOSS_EVERY steps


def pretrain_clip_refiner(
    folders: Sequence[Path],
    out: str | Path,
    settings: PretrainSettings = PretrainSettings(),
    *,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    log: Callable[[str], None] = lambda line: None,
) -> PretrainResult:
    """Train the clip refiner's network on the clip folders ``folders`` (``frames/`` and
    ``masks/``, a true mask on every frame: :mod:`core.clip_folder`) and write its weights to
    ``out`` (:func:`~core.roto.clip_refiner_weights.save_refiner_weights`, atomically).

    Progress runs over the clips' examples, then the steps; Cancelled (between clips and steps)
    writes nothing. Deterministic for a given ``settings.seed``; leaves torch's global random
    state as it was.
    """
    started = time.monotonic()
    stages = StagedProgress(progress, {"examples": len(folders) * 20, "train": settings.steps})
    examples: list[Example] = []
    for i, folder in enumerate(folders):
        cancel.raise_if_cancelled()
        stages.stage("examples")(i, len(folders), f"Examples from {folder.name}")
        frames, masks = read_clip_with_masks(Path(folder))
        examples += clip_examples(frames, masks, settings.frame_stride, cancel)
    if not examples:
        raise SettingsError("No frame of these clips shows an object", "give clip folders whose masks show one")
    log(f"{len(examples)} examples from {len(folders)} clips ({time.monotonic() - started:.0f} s)")

    rng = np.random.default_rng(settings.seed)
    losses, recent, step, stopped = [], [], 0, "done"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        net = new_net(channels=settings.channels)
        optimizer = torch.optim.Adam(net.parameters(), lr=settings.learning_rate)
        while step < settings.steps:
            cancel.raise_if_cancelled()
            if settings.time_limit is not None and time.monotonic() - started > settings.time_limit:
                stopped = "time limit"
                break
            for group in optimizer.param_groups:
                group["lr"] = settings.learning_rate * _cosine(step, settings.steps)
            recent.append(training_step(net, optimizer, examples, rng))
            step += 1
            if len(recent) == LOSS_EVERY or step == settings.steps:
                losses.append(float(np.mean(recent)))
                log(f"step {step}: loss {losses[-1]:.4f} ({time.monotonic() - started:.0f} s)")
                recent = []
            stages.stage("train")(step, settings.steps, "Pretraining the clip refiner")
    seconds = time.monotonic() - started
    record = {"clips": [Path(f).name for f in folders], "examples": len(examples), "steps": step,
              "stopped": stopped, "seconds": round(seconds, 1), "frame_stride": settings.frame_stride,
              "carry_distances": list(CARRY_DISTANCES), "learning_rate": settings.learning_rate,
              "seed": settings.seed, "channels": settings.channels, "losses": [round(v, 5) for v in losses]}
    path = save_refiner_weights(out, net.eval(), extra=record)
    stages.finish("Pretrained the clip refiner")
    return PretrainResult(path, step, stopped, len(examples), seconds, losses)


def clip_examples(frames: Sequence[np.ndarray], masks: Sequence[np.ndarray], stride: int = FRAME_STRIDE,
                  cancel: CancelToken = NEVER_CANCELLED) -> list[Example]:
    """Examples of one clip (``(H, W, 3)`` uint8 RGB frames, ``(H, W)`` 0/255 masks, one per
    frame): every ``stride``-th frame that shows the object, its priors the true masks of the frames
    :data:`CARRY_DISTANCES` away (those that show it) carried to it along the clip's flow."""
    height, width = masks[0].shape
    working = working_frame_size(width, height)
    flow = FlowField(frames.__getitem__, len(frames), working_width=480)
    examples = []
    for frame in range(stride // 2, len(frames), stride):
        cancel.raise_if_cancelled()
        if not masks[frame].any():
            continue
        priors = []
        for distance in CARRY_DISTANCES:
            source = frame + distance
            if 0 <= source < len(frames) and masks[source].any():
                carried = carried_prior((masks[source] > 0).astype(np.float32), source, frame, flow)
                priors.append(to_working(carried, working))
        truth = (to_working((masks[frame] > 0).astype(np.float32), working) >= 0.5).astype(np.float32)
        examples.append(Example(to_working(frames[frame], working).astype(np.float32) / 255, truth, priors,
                                np.nonzero(outline(truth))))
    return examples


def _cosine(step: int, steps: int) -> float:
    """The learning rate's factor at ``step``: 1 at the start down to :data:`FINAL_LEARNING_RATE`."""
    return FINAL_LEARNING_RATE + (1 - FINAL_LEARNING_RATE) * 0.5 * (1 + math.cos(math.pi * step / max(1, steps)))
