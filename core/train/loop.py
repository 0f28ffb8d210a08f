"""The training loop: read it top to bottom.

``train`` builds (or restores) the model and its optimizer, then repeats: take a batch of
samples, predict the hidden pixels, compute the loss, step the optimizer. Around that: mixed
precision on CUDA, gradient accumulation, a log line every ``log_every`` steps, a checkpoint
every ``save_every`` steps, and three ways to stop early that all leave a resumable checkpoint:
the time limit, the cancel token (Ctrl+C in the CLI) and reaching ``steps``.

Samples come from a ``torch.utils.data.Dataset`` whose item ``n`` depends only on ``n``
(``TrainingSamples``); optimizer step ``s`` always reads items ``s * per_step ...``, so a
resumed run trains on exactly the samples the interrupted run would have.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import cv2
import torch

from core.errors import Cancelled, ModelError, SettingsError
from core.model import (KeyframePropagationNet, ModelConfig, autocast, autocast_dtype,
                        count_parameters, load_checkpoint, pick_device)
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.train.losses import LossWeights, default_weights, inpainting_loss
from core.train.samples import to_network_inputs
from core.train.schedule import PAPER_LEARNING_RATE, default_warmup, make_optimizer, warmup_cosine
from core.train.train_state import HISTORY_COLUMNS, curve_path, load_state, resume_training, save_run, state_path

FLUSH_EVERY = 10  # steps between reading losses back from the GPU (each read waits for it)


@dataclass(frozen=True)
class TrainOptions:
    """How a training run goes, checked when it is made (a :class:`SettingsError` naming the
    option and its range, before any sample is read); ``device="auto"`` is resolved once, at the
    top of :func:`train`."""

    steps: int = 2000
    batch: int = 8                  # samples per forward pass
    accumulate: int = 1             # forward passes per optimizer step
    lr: float = PAPER_LEARNING_RATE
    weight_decay: float = 0.01
    warmup: int | None = None       # optimizer steps; default 5 % of ``steps``, at most 500
    grad_clip: float = 1.0
    device: str = "auto"
    workers: int = 0                # DataLoader worker processes (0: build samples in-line)
    time_limit: float | None = None  # seconds after ``started`` by which the run has saved
    log_every: int = 50
    save_every: int = 500
    seed: int = 0
    losses: LossWeights | None = None  # None: the model's default (losses.default_weights)

    def __post_init__(self) -> None:
        for name, low in (("steps", 1), ("batch", 1), ("accumulate", 1), ("workers", 0), ("log_every", 1),
                          ("save_every", 1), ("seed", 0), ("warmup", 0)):
            value = getattr(self, name)
            if value is None and name == "warmup":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise SettingsError(f"The training option {name}={value!r} is out of range",
                                    f"give a whole number from {low} up")
        for name, positive in (("lr", True), ("grad_clip", True), ("weight_decay", False), ("time_limit", False)):
            value = getattr(self, name)
            if value is None and name == "time_limit":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    value > 0 if positive else value >= 0):
                raise SettingsError(f"The training option {name}={value!r} is out of range",
                                    f"give a number {'above' if positive else 'from'} 0")
        if not isinstance(self.device, str) or self.device.split(":", 1)[0] not in ("auto", "cpu", "cuda", "mps"):
            raise SettingsError(f"Unknown device {self.device!r} for training", "use auto, cpu, cuda or mps")


@dataclass
class TrainResult:
    model_path: Path
    step: int
    stopped: str                    # "done" or "time limit"
    final_loss: float | None
    steps_per_second: float
    history: list[list[float]]
    scores: Any = None              # what the caller measured after training (fine-tuning: held-out PSNR)


def train(model_path: str | Path, samples: torch.utils.data.Dataset, settings: TrainOptions, *,
          config: ModelConfig | None = None, init: str | Path | None = None, resume: bool = False,
          run_info: dict[str, Any] | None = None, started: float | None = None,
          progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
          log: Callable[[str], None] = lambda line: None,
          on_step: Callable[[int, float], None] | None = None,
          after_step: Callable[[int, torch.nn.Module], None] | None = None) -> TrainResult:
    """Train and save to ``model_path`` (see ``train_state`` for the files written).

    ``after_step(step, model)`` is called after every optimizer step (e.g. to validate now and
    then; the model is put back in training mode after it).
    ``on_step(step, loss)`` is called after each optimizer step whose loss has been read back
    (every step on the CPU, every ``FLUSH_EVERY`` steps on a GPU), for live loss plots.

    The model is ``config`` freshly initialised, or the weights of ``init`` (fine-tuning), or,
    with ``resume``, the state saved beside ``model_path``. ``started`` (``time.monotonic()``)
    is when the time limit began to run, by default now. Raises ``Cancelled`` after saving a
    resumable checkpoint when ``cancel`` is set.
    """
    started = time.monotonic() if started is None else started
    model_path = Path(model_path)
    s = settings
    device = pick_device(s.device)
    run_info = {**(run_info or {}), "settings": _plain(dataclasses.asdict(s))}

    torch.manual_seed(s.seed)
    state = load_state(model_path) if resume else None
    model = _initial_model(config, init, state).to(device)
    amp_dtype = autocast_dtype(device, cpu_bfloat16=True)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # one input size for the whole run
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    channels_last = device.type == "cuda" or amp_dtype == torch.bfloat16
    if channels_last:
        # NHWC convolutions: 1.6x the samples/s of the default layout with bf16 on an H100, 1.3x
        # on a CPU with native bf16 (2 cores, the cpu preset at 192 px)
        model = model.to(memory_format=torch.channels_last)
    loss_weights = s.losses or default_weights(model.config.output)
    optimizer = make_optimizer(model, s.lr, s.weight_decay)
    scheduler = warmup_cosine(optimizer, s.steps, s.warmup or default_warmup(s.steps))
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
    step, history = resume_training(state, optimizer, scheduler, scaler)

    per_step = s.batch * s.accumulate
    loader = torch.utils.data.DataLoader(
        samples, batch_size=s.batch, sampler=range(step * per_step, s.steps * per_step),
        num_workers=s.workers, pin_memory=device.type == "cuda", worker_init_fn=_worker_init,
        prefetch_factor=2 if s.workers else None, persistent_workers=False)
    batches = iter(loader)
    precision = f"{str(amp_dtype).replace('torch.', '')} autocast" if amp_dtype else "float32"
    log(f"training {count_parameters(model) / 1e6:.1f} M parameters on {device} ({precision}), "
        f"batch {s.batch} x {s.accumulate}, steps {step} -> {s.steps}, {s.workers} data workers")

    as_inputs = getattr(samples, "to_network_inputs", to_network_inputs)
    raw_outputs: list[torch.Tensor] = []  # the decoder's prediction before compositing
    hook = model.decoder.register_forward_hook(lambda _m, _i, out: raw_outputs.append(out))
    pending: list[torch.Tensor] = []
    # until the first save is timed: weights + two Adam moments at a slow disk's 100 MB/s
    save_seconds = 0.5 + 3 * 4 * count_parameters(model) / 100e6
    step_seconds = 0.0
    session_start, session_steps, rate = None, 0, 0.0
    stopped = "done"

    def save() -> None:
        nonlocal save_seconds
        t0 = time.monotonic()
        _flush(pending, history, time.monotonic() - started)
        save_run(model_path, model, optimizer, scheduler, scaler, step, history, run_info)
        save_seconds = time.monotonic() - t0

    model.train()
    try:
        while step < s.steps:
            if cancel.cancelled:
                save()
                raise Cancelled(f"Training cancelled at step {step}; saved {model_path} and "
                                f"{state_path(model_path).name}: add --resume to continue.")
            now = time.monotonic()
            if s.time_limit is not None and \
                    now + 1.5 * step_seconds + save_seconds >= started + s.time_limit:
                stopped = "time limit"
                break

            # one optimizer step: `accumulate` forward/backward passes, then the update
            optimizer.zero_grad(set_to_none=True)
            terms_sum = None
            for _ in range(s.accumulate):
                target, keyframes, flows, consistency, truth, hole, weight = \
                    as_inputs(next(batches), device)
                if channels_last:
                    target = target.contiguous(memory_format=torch.channels_last)
                with autocast(device, cpu_bfloat16=True):
                    output = model(target, keyframes, flows, consistency)
                raw = raw_outputs.pop()[..., :truth.shape[-2], :truth.shape[-1]]
                if model.config.output == "residual_rgb":
                    raw = model.corrected(raw.float(), target)
                loss, terms = inpainting_loss(output, raw, truth, hole, weight, loss_weights)
                scaler.scale(loss / s.accumulate).backward()
                values = torch.stack([loss.detach(), *(v.detach() for v in terms.values())])
                terms_sum = values if terms_sum is None else terms_sum + values
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            lr = optimizer.param_groups[0]["lr"]
            scheduler.step()
            step += 1

            pending.append(torch.cat([torch.tensor([step], device=terms_sum.device),
                                      terms_sum / s.accumulate,
                                      torch.tensor([lr], device=terms_sum.device)]))
            after = time.monotonic()
            step_seconds = after - now
            if session_start is None:  # the first step pays for warm-up: time from the second
                session_start, session_steps = after, 0
            else:
                session_steps += 1
            rate = session_steps / max(after - session_start, 1e-9)
            if step % FLUSH_EVERY == 0 or device.type == "cpu" or step == s.steps:
                _flush(pending, history, after - started)
            eta = _eta(s, step, rate, started, after)
            last = history[-1][1] if history else float("nan")
            progress(step, s.steps, f"loss {last:.4f} ETA {eta}")
            if on_step is not None and history and history[-1][0] == step:
                on_step(step, last)
            if after_step is not None:
                after_step(step, model)
                model.train()
            if step % s.log_every == 0 or step == s.steps:
                log(_log_line(step, s, history, rate, eta))
            if step % s.save_every == 0 and step < s.steps:
                save()
        save()
    finally:
        hook.remove()
    if stopped == "time limit":
        log(f"time limit reached at step {step}; saved: add --resume to continue")
    if device.type == "cuda":
        log(f"peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB")
    log(f"saved {model_path}, {state_path(model_path).name}, {curve_path(model_path).name}")
    return TrainResult(model_path, step, stopped, history[-1][1] if history else None, rate,
                       history)


def _initial_model(config: ModelConfig | None, init: str | Path | None,
                   state: dict[str, Any] | None) -> KeyframePropagationNet:
    if state is not None:
        saved = ModelConfig.from_dict(state["config"])
        if config is not None and config != saved:
            raise ModelError("The run being resumed used another model configuration; resume "
                             "with the same --config or start a new run.")
        model = KeyframePropagationNet(saved)
        model.load_state_dict(state["model"])
        return model
    if init is not None:
        model, _ = load_checkpoint(init, "cpu")
        return model
    if config is None:
        raise ValueError("train needs a config, init weights or a state to resume")
    return KeyframePropagationNet(config)


def _flush(pending: list[torch.Tensor], history: list[list[float]], seconds: float) -> None:
    """Move the steps' losses from the device into ``history`` (one wait for the device)."""
    if pending:
        for row in torch.stack(pending).tolist():
            history.append([int(row[0])] + row[1:] + [round(seconds, 2)])
        pending.clear()


def _eta(s: TrainOptions, step: int, rate: float, started: float, now: float) -> str:
    seconds = (s.steps - step) / rate if rate > 0 else float("inf")
    if s.time_limit is not None:
        seconds = min(seconds, max(0.0, started + s.time_limit - now))
    if seconds == float("inf"):
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _log_line(step: int, s: TrainOptions, history: list[list[float]], rate: float,
              eta: str) -> str:
    column = {name: i for i, name in enumerate(HISTORY_COLUMNS)}
    recent = history[-s.log_every:] or [[step] + [float("nan")] * (len(HISTORY_COLUMNS) - 1)]
    loss, l1, l2 = (sum(r[column[name]] for r in recent) / len(recent)
                    for name in ("loss", "hole_l1", "hole_l2"))
    lr = recent[-1][column["lr"]]
    return (f"step {step}/{s.steps}  loss {loss:.4f} (hole L1 {l1:.4f}, L2 {l2:.5f})  lr {lr:.2e}  "
            f"{rate:.2f} steps/s  {rate * s.batch * s.accumulate:.0f} samples/s  ETA {eta}")


def _worker_init(_worker_id: int) -> None:
    cv2.setNumThreads(1)  # many workers: one thread each
    torch.set_num_threads(1)


def _plain(value: Any) -> Any:
    """Dataclass dicts -> plain dicts/lists for a ``weights_only`` checkpoint."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
