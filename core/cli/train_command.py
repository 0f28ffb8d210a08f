"""``main.py train --data DIR --steps N --out MODEL.pt``: train the network on footage.

Self-supervised: frames of the footage are hidden by random holes and the network learns to fill
them from keyframes (see ``core/train`` and docs/training.md). Ctrl+C stops after the current
step and saves a checkpoint that ``--resume`` continues exactly.
"""

from __future__ import annotations

import time
from pathlib import Path

from core.cli.output_options import add_overwrite_option
from core.cli.train_prealign import run_prealign
from core.cli.train_terminal import (RESUME_OR_OVERWRITE, check_model_output,
                                     ctrl_c_cancels, default_workers, log_line, parse_crop, progress_bar,
                                     train_options)
from core.progress import CancelToken

DEFAULT_EXCLUDE = ["tennis"]  # held out for evaluation (the older rgb configs)
RESUMED_ARGS = ("config", "data", "exclude", "crop", "frame_height", "keyframes", "max_pairs",
                "seed", "batch", "accumulate", "lr", "warmup", "val_data", "tracks", "targets", "locked_tracks",
                "more_examples", "deepen", "candidates", "candidate_blend",
                "steps")
DEFAULT_STEPS = 2000


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train the keyframe propagation network on a folder of footage",
        description="Self-supervised training: random holes in frames of the footage are filled "
        "from other frames and synthetic keyframes. Writes MODEL.pt (the model), "
        "MODEL.train.pt (to resume) and MODEL.losses.csv (the loss curve).")
    p.add_argument("--config", choices=["cpu", "tiny_residual", "tiny", "base", "big"],
                   default="cpu",
                   help="model (default cpu: the shipped removal model, a correction of the flow "
                   "fill that trains on a CPU; tiny_residual for tests; tiny/base/big: the older "
                   "models that fill from keyframes alone)")
    p.add_argument("--data", help="folder of clips, image sequences and stills (required unless "
                   "--resume)")
    p.add_argument("--steps", type=int, default=None,
                   help="optimizer steps in all (default 2000; --resume keeps the run's own)")
    p.add_argument("--batch", type=int, default=8, help="samples per forward pass (default 8)")
    p.add_argument("--accumulate", type=int, default=1,
                   help="forward passes per optimizer step (default 1)")
    p.add_argument("--lr", type=float, default=3.2e-4, help="peak learning rate (default 3.2e-4)")
    p.add_argument("--warmup", type=int, default=None,
                   help="warm-up steps (default 5%% of --steps, at most 500)")
    p.add_argument("--device", default="auto", help="auto (default), cuda, mps or cpu")
    p.add_argument("--out", default=None,
                   help="model file (default: for the cpu config ~/.cache/keyfill/runs/keyfill-cpu.pt, else "
                   "resources/models/keyfill-CONFIG.pt); " + RESUME_OR_OVERWRITE)
    add_overwrite_option(p)
    p.add_argument("--init", default=None, metavar="MODEL",
                   help="start from these weights (warm start, e.g. the shipped "
                   "resources/models/keyfill-base.pt)")
    p.add_argument("--deepen", type=int, default=None, metavar="N",
                   help="cpu config, with --init: grow the model to N FFC residual blocks per "
                   "intra-/cross-frame block, the new ones starting near the identity (the "
                   "shipped model has 1)")
    p.add_argument("--candidates", type=int, default=None, metavar="K",
                   help="cpu config: the model also reads the flow fill's K candidate colours per hole "
                   "pixel, not only their median (5: all of them); with --init the new inputs start "
                   "at zero weight, so training starts from what the model did")
    p.add_argument("--candidate-blend", action="store_true",
                   help="with --candidates: the model also gives a weight per candidate and adds the "
                   "weighted candidates to the fill before its correction (weights start at zero)")
    p.add_argument("--cache", default=None, metavar="DIR",
                   help="where the cpu config's examples (flow fills of the footage) are kept "
                   "(default $KEYFILL_CACHE/prealign or ~/.cache/keyfill/prealign)")
    p.add_argument("--val-data", default=None, metavar="DIR",
                   help="folder holding the validation clips (default: --data)")
    p.add_argument("--tracks", type=int, default=8,
                   help="cpu config: moving holes per clip in the examples (default 8)")
    p.add_argument("--locked-tracks", type=int, default=0,
                   help="cpu config: holes per clip fixed to the scene, so no frame shows behind them "
                   "(default 0; the never-revealed background of an object that stays put)")
    p.add_argument("--more-examples", nargs="*", default=None, metavar="TRACKS:LOCKED:SEED",
                   help="cpu config: more example sets trained on with the one above, each with "
                   "its moving holes, locked holes and seed (e.g. 16:0:2 8:4:3, the sets of "
                   "earlier runs, already cached)")
    p.add_argument("--targets", type=int, default=6,
                   help="cpu config: target frames per moving hole (default 6)")
    p.add_argument("--ship", default=None, metavar="MODEL",
                   help="cpu config: after training, copy the result (half precision) to MODEL "
                   "when it beats the checkpoint there on the validation split")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved beside --out with its own settings")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop and save before this many seconds after the command started")
    p.add_argument("--exclude", nargs="*", default=None, metavar="NAME",
                   help="clips or folders to leave out (default: tennis, held out for evaluation)")
    p.add_argument("--crop", default=None, help="training crop, N or HxW pixels (default 192 for "
                   "the cpu config, else 256; multiples of 64 train fastest)")
    p.add_argument("--frame-height", type=int, default=None,
                   help="footage is scaled to this height first (default 240 for the cpu "
                   "config, else 256)")
    p.add_argument("--keyframes", type=int, default=None,
                   help="keyframes per sample (default 2 for the cpu config, else 3)")
    p.add_argument("--max-pairs", type=int, default=None,
                   help="compute flow for at most this many frame pairs (default all)")
    p.add_argument("--workers", default="auto",
                   help="data loading processes (default: 14 at most on CUDA, 0 on CPU)")
    p.add_argument("--log-every", type=int, default=50, help="steps between log lines")
    p.add_argument("--save-every", type=int, default=500, help="steps between checkpoints")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(run=run)


def run(args) -> int:
    from core.model import PRESETS, pick_device
    from core.train import SampleSettings, TrainingDataError, find_footage, train
    from core.train.samples import samples_from_clips
    from core.train.train_state import load_state

    started = time.monotonic()
    out = Path(args.out) if args.out else default_out(args.config)
    if args.resume:
        _restore_args(args, load_state(out).get("run", {}).get("args", {}))
    if args.steps is None:
        args.steps = DEFAULT_STEPS
    check_model_output(out, "--out", {"the model it starts from (--init)": args.init},
                       overwrite=args.overwrite, resume=args.resume)
    if not args.data:
        raise TrainingDataError("train needs --data FOLDER (a folder of clips, image sequences "
                                "or images).")
    if args.config in ("cpu", "tiny_residual"):
        return run_prealign(args, out, started)
    exclude = DEFAULT_EXCLUDE if args.exclude is None else list(args.exclude)
    crop = parse_crop(args.crop or "256")
    device = pick_device(args.device)
    workers = default_workers(device.type) if args.workers == "auto" else int(args.workers)
    settings = train_options(args, workers=workers)
    cancel = CancelToken()
    log = log_line

    log(f"reading footage under {args.data} (leaving out {', '.join(exclude) or 'nothing'})")
    clips = find_footage(args.data, exclude=exclude, frame_height=args.frame_height or 256, crop=crop,
                         progress=progress_bar("footage"), cancel=cancel)
    sample_settings = SampleSettings(crop=crop, keyframes=args.keyframes or 3, seed=args.seed)
    t0 = time.monotonic()
    samples = samples_from_clips(clips, sample_settings, max_pairs=args.max_pairs,
                                 progress=progress_bar("flow"), cancel=cancel)
    log(f"{len(clips)} clips/stills ({sum(len(c.frames) for c in clips)} frames), "
        f"flow for {len(samples.flows)} frame pairs in {time.monotonic() - t0:.0f}s")

    run_info = {"args": {k: _plain_arg(getattr(args, k)) for k in RESUMED_ARGS},
                "clips": [c.name for c in clips], "excluded": exclude, "pairs": len(samples.flows),
                "device": str(device)}
    with ctrl_c_cancels(cancel):
        result = train(out, samples, settings, config=PRESETS[args.config](),
                       resume=args.resume, run_info=run_info, started=started,
                       progress=progress_bar("training"), cancel=cancel, log=log)
    size_mb = out.stat().st_size / 2**20
    print(f"trained to step {result.step}/{args.steps} ({result.stopped}) in "
          f"{time.monotonic() - started:.0f}s, final loss {result.final_loss:.4f}; "
          f"wrote {out} ({size_mb:.1f} MB)")
    return 0


def default_out(config: str) -> Path:
    """The cpu config trains outside the repository (``--ship`` copies a better result into
    resources/models); the older configs write resources/models/keyfill-CONFIG.pt."""
    if config in ("cpu", "tiny_residual"):
        from core.train.prealign_data import default_cache_folder

        return default_cache_folder().parent / "runs" / f"keyfill-{config}.pt"
    return Path(f"resources/models/keyfill-{config}.pt")


def _restore_args(args, saved: dict) -> None:
    """The resumed run's own settings; --steps given again extends or shortens the run."""
    for key, value in saved.items():
        if key in RESUMED_ARGS and not (key == "steps" and args.steps is not None):
            setattr(args, key, value)


def _plain_arg(value):
    return list(value) if isinstance(value, (list, tuple)) else value
