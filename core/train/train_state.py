"""What a training run leaves on disk, and how it resumes exactly.

Beside the model file ``NAME.pt`` (what Keyfill ships and ``core.model.load_checkpoint`` reads:
config + weights, and in ``extra`` the step, the run's settings and a thinned loss curve):

- ``NAME.train.pt``: everything needed to continue the run bit for bit: weights, optimizer and
  scheduler state, the mixed-precision scaler, the step, torch's random state and the full loss
  history, plus the run's settings (a resumed run reuses them);
- ``NAME.losses.csv``: the loss history, one row per step (``HISTORY_COLUMNS``).

All three are written atomically (temporary file, then rename), model file last.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import torch

from core.atomic_write import atomic_path, write_bytes_atomic
from core.errors import ModelError
from core.model import KeyframePropagationNet, save_checkpoint
from core.model.checkpoint import read_saved

STATE_FORMAT = "keyfill-training-state"
STATE_VERSION = 1
HISTORY_COLUMNS = ("step", "loss", "hole_l1", "known_l1", "ssim", "gradient", "hole_l2", "lr",
                   "seconds")
CURVE_POINTS = 500  # rows of the loss curve kept inside the model file


def state_path(model_path: str | Path) -> Path:
    """``NAME.pt`` -> ``NAME.train.pt``."""
    p = Path(model_path)
    return p.with_name(p.stem + ".train.pt")


def curve_path(model_path: str | Path) -> Path:
    """``NAME.pt`` -> ``NAME.losses.csv``."""
    p = Path(model_path)
    return p.with_name(p.stem + ".losses.csv")


def save_run(model_path: str | Path, model: KeyframePropagationNet, optimizer, scheduler, scaler,
             step: int, history: list[list[float]], run_info: dict[str, Any], *,
             columns: tuple[str, ...] = HISTORY_COLUMNS, extra: dict[str, Any] | None = None) -> Path:
    """Write the training state, the loss curve and the model file; returns the model path.

    columns: what each history row holds (the removal trainer's by default); extra: more entries
    for the model file's ``extra`` (e.g. the rotoscoping network's correction band)."""
    model_path = Path(model_path)
    state = {
        "format": STATE_FORMAT, "version": STATE_VERSION, "step": step,
        "config": model.config.to_dict(),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(), "history": history, "run": run_info,
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    with atomic_path(state_path(model_path)) as tmp:
        torch.save(state, tmp)
    write_bytes_atomic(curve_path(model_path), _csv(history, columns))
    extra = {**(extra or {}), "step": step, "training": run_info, "loss_columns": list(columns),
             "loss_curve": _thinned(history, CURVE_POINTS)}
    return save_checkpoint(model_path, model, extra=extra)


def load_state(model_path: str | Path) -> dict[str, Any]:
    """The ``NAME.train.pt`` beside ``model_path``, checked; ``ModelError`` if missing or bad."""
    path = state_path(model_path)
    state = read_saved(path, STATE_FORMAT, missing=f"No training state at {path} to resume from; run without "
                       "--resume to start a new run.", corrupt=f"Training state {path} is corrupt ({{error}}); delete "
                       "it and start again without --resume.", foreign=f"{path} is not a Keyfill training state; "
                       "delete it or choose another --out.")
    if state.get("version", 0) > STATE_VERSION:
        raise ModelError(f"{path} was written by a newer Keyfill; update Keyfill to resume it.")
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch_rng"])
    if torch.cuda.is_available() and state.get("cuda_rng"):
        torch.cuda.set_rng_state_all(state["cuda_rng"])


def resume_training(state: dict[str, Any] | None, optimizer, scheduler, scaler) -> tuple[int, list[list[float]]]:
    """``(step, history)`` to go on from: a run's resume ``state`` (:func:`load_state`) put back
    into its optimizer, scheduler, gradient scaler and random generators; ``(0, [])`` for None."""
    if state is None:
        return 0, []
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    scaler.load_state_dict(state["scaler"])
    restore_rng(state)
    return int(state["step"]), [list(r) for r in state["history"]]


def read_curve(model_path: str | Path) -> list[dict[str, float]]:
    """The ``NAME.losses.csv`` rows as dicts of floats (``step`` as int)."""
    with open(curve_path(model_path), newline="") as f:
        return [{k: (int(v) if k == "step" else float(v)) for k, v in row.items()}
                for row in csv.DictReader(f)]


def _csv(history: list[list[float]], columns: tuple[str, ...] = HISTORY_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in history:
        writer.writerow([int(row[0])] + [f"{v:.6g}" for v in row[1:]])
    return out.getvalue().encode()


def _thinned(history: list[list[float]], points: int) -> list[list[float]]:
    """At most ``points`` rows, evenly spaced, always with the last."""
    if len(history) <= points:
        return [list(r) for r in history]
    stride = len(history) / points
    rows = [history[int(i * stride)] for i in range(points - 1)] + [history[-1]]
    return [list(r) for r in rows]
