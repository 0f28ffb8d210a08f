"""What the training commands (``main.py train``, ``finetune``; ``train-roto``, ``train-refiner``
on clip folders) share on the terminal: the progress bars, the log lines, Ctrl+C that stops after
the step, and the options they parse alike.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

from core.cli.output_options import add_overwrite_option
from core.cli.signals import handling
from core.cli.terminal_progress import TerminalProgress
from core.clip_folder import clip_folders
from core.errors import VideoError
from core.output_paths import check_outputs, output_for
from core.progress import CancelToken, no_progress

OVERWRITE_ONLY = "an existing one is refused (it may be the shipped weights) unless -y replaces it"
RESUME_OR_OVERWRITE = OVERWRITE_ONLY + " or --resume continues its run"


def check_model_output(out, flag: str, inputs: dict, *, overwrite: bool, resume: bool = False) -> None:
    """Refuse a model file ``out`` that is one of ``inputs`` or, unless ``overwrite`` (``-y``) or
    ``resume`` (the run saved beside it goes on), that exists: a default ``--out`` can name the
    shipped weights, and a training run must not replace them unasked."""
    check_outputs([output_for(out, flag)], inputs, overwrite=overwrite or resume)


def train_options(args, *, workers: int):
    """``main.py train``'s :class:`core.train.TrainOptions` from its arguments, checked before
    any footage is read; ``workers``: DataLoader processes."""
    from core.train import TrainOptions

    return TrainOptions(steps=args.steps, batch=args.batch, accumulate=args.accumulate, lr=args.lr,
                        warmup=args.warmup, device=args.device, workers=workers, time_limit=args.time_limit,
                        log_every=args.log_every, save_every=args.save_every, seed=args.seed)


def parse_crop(text: str) -> tuple[int, int]:
    """``"240"`` -> (240, 240); ``"240x432"`` -> (240, 432) as (H, W); multiples of 8."""
    from core.train import TrainingDataError

    try:
        parts = [int(v) for v in str(text).lower().split("x")]
        h, w = (parts[0], parts[0]) if len(parts) == 1 else parts
    except ValueError:
        raise TrainingDataError(f"--crop {text!r} is not N or HxW; use e.g. 240 or 240x432.") \
            from None
    if h < 16 or w < 16 or h % 8 or w % 8:
        raise TrainingDataError(f"--crop {text} must be at least 16 and a multiple of 8 pixels "
                                "each way (the network's stride); use e.g. 240.")
    return h, w


def default_workers(device_type: str) -> int:
    """Data loading processes: most cores beside a GPU, none on a CPU (it is busy training)."""
    cores = os.cpu_count() or 1
    if device_type == "cuda":
        return max(1, min(14, cores - 2))
    return 0 if cores <= 4 else min(4, cores // 4)


def progress_bar(label: str):
    return TerminalProgress(label) if sys.stderr.isatty() else no_progress


def log_line(line: str) -> None:
    print(line, flush=True)


@contextlib.contextmanager
def ctrl_c_cancels(cancel: CancelToken):
    """First Ctrl+C: finish the step, save, stop. A second one interrupts at once."""
    def handler(signum, frame):
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nstopping after this step and saving (Ctrl+C again to abort)...",
              file=sys.stderr, flush=True)

    with handling(signal.SIGINT, handler):
        yield


def add_clip_folder_options(parser, *, exclude: list[str], exclude_help: str, out: str, what: str,
                            resumable: bool) -> None:
    """``--data``, ``--exclude`` and ``--out`` of the commands that train on clip folders with a
    true mask per frame (``train-roto``, ``train-refiner``); ``what`` names the file ``--out`` writes."""
    parser.add_argument("--data", required=True, help="a folder of clip folders, each with frames/ and masks/")
    parser.add_argument("--exclude", nargs="*", default=exclude, help=exclude_help)
    refused = RESUME_OR_OVERWRITE if resumable else OVERWRITE_ONLY
    parser.add_argument("--out", default=out, help=f"{what} to write ({refused}; default: %(default)s)")
    add_overwrite_option(parser)


def training_clip_folders(args) -> list[Path]:
    """The clip folders of ``--data`` not named by ``--exclude`` (printed with those held out);
    :class:`VideoError` when there are none, or all are excluded."""
    folders = [f for f in clip_folders(Path(args.data)) if f.name not in set(args.exclude)]
    if not folders:
        raise VideoError(f"every clip of '{args.data}' is excluded; keep at least one for training.")
    print(f"training clips: {', '.join(f.name for f in folders)}; held out: {', '.join(args.exclude) or 'none'}")
    return folders
