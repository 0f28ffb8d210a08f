"""Training the rotoscoping network (``main.py train-roto``).

The loss is binary cross-entropy of the corrected logits (prior logit + network output) against
the true mask, plus a soft Dice term (so thin objects count as much as big ones). AdamW with
warm-up and cosine decay (:mod:`core.train.schedule`); bfloat16 autocast where the CPU computes
it natively (AVX512-BF16 or AMX, :func:`core.model.autocast`), float32 elsewhere on a CPU. The
model is saved atomically every ``save_every`` steps, at the end, at the time limit and on cancel,
with the state a ``--resume`` continues from and the loss history (:mod:`core.train.train_state`,
shared with ``main.py train``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from core.errors import Cancelled
from core.model import (ModelConfig, autocast, autocast_dtype, build_model, count_parameters, load_checkpoint,
                        pick_device)
from core.model.network import KeyframePropagationNet
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto.matte_model import BAND_PX, PRIOR_CLAMP
from core.train.schedule import make_optimizer, warmup_cosine
from core.train.train_state import load_state, resume_training, save_run, state_path

LOSS_COLUMNS = ("step", "loss", "bce", "dice", "seconds")


@dataclass(frozen=True)
class MatteTrainSettings:
    steps: int = 2000
    batch: int = 4
    lr: float = 5e-4
    weight_decay: float = 0.01
    warmup: int = 50
    grad_clip: float = 1.0
    dice_weight: float = 0.5
    device: str = "auto"
    time_limit: float | None = None  # seconds from the start by which the run has saved
    save_every: int = 200
    log_every: int = 25
    seed: int = 0


@dataclass
class MatteTrainResult:
    model_path: Path
    step: int
    stopped: str  # "done" or "time limit"
    history: list[list[float]]  # [step, loss, bce, dice, seconds]


def matte_loss(logits: torch.Tensor, prior: torch.Tensor, truth: torch.Tensor,
               dice_weight: float, band: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(loss, bce, dice)`` of the corrected logits (prior logit + ``band`` x network output, as
    :meth:`core.roto.matte_model.MatteModel.refine` applies them); all ``(B, 1, H, W)``, prior,
    truth and band 0..1 (band None: everywhere)."""
    p = prior.clamp(PRIOR_CLAMP, 1 - PRIOR_CLAMP)
    corrected = torch.log(p / (1 - p)) + (logits if band is None else band * logits)
    bce = F.binary_cross_entropy_with_logits(corrected, truth)
    soft = torch.sigmoid(corrected)
    overlap = (soft * truth).sum(dim=(1, 2, 3))
    total = soft.sum(dim=(1, 2, 3)) + truth.sum(dim=(1, 2, 3))
    dice = (1 - (2 * overlap + 1) / (total + 1)).mean()
    return bce + dice_weight * dice, bce, dice


def train_matte_model(model_path: str | Path, samples: torch.utils.data.Dataset,
                      settings: MatteTrainSettings, *, config=None, init: str | Path | None = None,
                      resume: bool = False, started: float | None = None,
                      run_info: dict | None = None, progress: ProgressFn = no_progress,
                      cancel: CancelToken = NEVER_CANCELLED,
                      log: Callable[[str], None] = lambda line: None) -> MatteTrainResult:
    """Train a ``mask_logits`` model (``config``, default the ``roto`` preset, or the weights of
    ``init``, or with ``resume`` the run saved beside ``model_path``) on ``samples``
    (:class:`core.roto.matte_training_data.MatteSamples`, whose item ``n`` depends only on ``n``:
    a resumed run reads the samples the interrupted one would have) and save it to ``model_path``
    with ``NAME.train.pt`` and ``NAME.losses.csv`` beside it (:mod:`core.train.train_state`); the
    samples' correction band (``samples.band_px``) is saved with it for inference. ``started``
    (``time.monotonic()``): when the time limit began to run, by default now.
    Raises ``Cancelled`` after saving when ``cancel`` is set."""
    started = time.monotonic() if started is None else started
    s = settings
    torch.manual_seed(s.seed)
    device = pick_device(s.device)
    state = load_state(model_path) if resume else None
    if state is not None:
        model = KeyframePropagationNet(ModelConfig.from_dict(state["config"]))
        model.load_state_dict(state["model"])
    elif init is not None:
        model, _ = load_checkpoint(init, "cpu")
    else:
        model = KeyframePropagationNet(config) if config is not None else build_model("roto")
    model = model.to(device)
    amp_dtype = autocast_dtype(device, cpu_bfloat16=True)  # bf16 where the CPU has it natively
    if amp_dtype == torch.bfloat16 or device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    optimizer = make_optimizer(model, s.lr, s.weight_decay)
    scheduler = warmup_cosine(optimizer, s.steps, min(s.warmup, max(1, s.steps // 10)))
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
    step, history = resume_training(state, optimizer, scheduler, scaler)
    loader = torch.utils.data.DataLoader(samples, batch_size=s.batch, sampler=range(step * s.batch, s.steps * s.batch))
    batches = iter(loader)
    info = {**(run_info or {}), "settings": asdict(s)}
    precision = f"{str(amp_dtype).replace('torch.', '')} autocast" if amp_dtype else "float32"
    log(f"training {count_parameters(model) / 1e6:.2f} M parameters on {device} ({precision}), batch {s.batch}, "
        f"steps {step} -> {s.steps}")
    band = {"band_px": float(getattr(samples, "band_px", BAND_PX))}

    def save() -> None:
        save_run(model_path, model, optimizer, scheduler, scaler, step, history, info, columns=LOSS_COLUMNS,
                 extra=band)

    stopped, step_seconds, offset = "done", 0.0, history[-1][-1] if history else 0.0
    model.train()
    while step < s.steps:
        if cancel.cancelled:
            save()
            raise Cancelled(f"Training cancelled at step {step}; saved {model_path} and "
                            f"{state_path(model_path).name}: add --resume to continue.")
        now = time.monotonic()
        if s.time_limit is not None and now + 2 * step_seconds + 2 >= started + s.time_limit:
            stopped = "time limit"
            break
        batch = {k: v.to(device) for k, v in next(batches).items()}
        with autocast(device, cpu_bfloat16=True):
            logits = model(batch["target"], batch["keyframes"], batch["flows"], batch["consistency"])
        loss, bce, dice = matte_loss(logits.float(), batch["target"][:, 3:], batch["truth"], s.dice_weight,
                                     batch["band"])
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        step += 1
        step_seconds = time.monotonic() - now
        history.append([step, loss.item(), bce.item(), dice.item(), offset + time.monotonic() - started])
        progress(step, s.steps, f"loss {history[-1][1]:.4f}")
        if step % s.log_every == 0 or step == s.steps:
            recent = history[-s.log_every:]
            mean = sum(r[1] for r in recent) / len(recent)
            log(f"step {step}/{s.steps} loss {mean:.4f} ({step_seconds:.2f} s/step)")
        if step % s.save_every == 0:
            save()
    save()
    log(f"saved {model_path} at step {step} ({stopped}); {state_path(model_path).name} resumes it")
    return MatteTrainResult(Path(model_path), step, stopped, history)
