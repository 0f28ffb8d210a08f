"""``main.py train-roto``: train the rotoscoping network on clips with a mask per frame.

Every clip folder of ``--data`` with ``frames/`` and ``masks/`` (except ``--exclude``, by default
the validation split, which the evaluation scores), and ``--synthetic`` clips of shapes moving over
the footage of ``--data`` (:mod:`core.roto.synthetic_clips`), are rotoscoped by the propagation as
it runs in production (clip refiner on, the network off) from their true masks in a few keyframe
layouts (``--layouts``; cached between runs outside the repository); the network learns to correct
those propagated mattes (:mod:`core.roto.matte_training_data`, :mod:`core.roto.matte_training`).
``--resume`` continues the run saved beside ``--out``. The result is the model
``main.py roto``, the window and ``main.py eval --task roto`` use
(``resources/models/keyfill-roto.pt`` by default).
"""

from __future__ import annotations

import time
from pathlib import Path

from core.cli.terminal_progress import TerminalProgress
from core.cli.train_terminal import (add_clip_folder_options, check_model_output, ctrl_c_cancels, log_line,
                                     progress_bar, training_clip_folders)
from core.progress import CancelToken
from core.roto.matte_model import DEFAULT_ROTO_MODEL_PATH
from core.roto.matte_training_data import DEFAULT_LAYOUTS
from core.train.train_state import curve_path, state_path
from core.validation_split import VALIDATION_SEQUENCES


RESUMED_ARGS = ("config", "layouts", "synthetic", "band_px", "steps", "batch", "lr", "seed", "exclude")
"""What a ``--resume``d run takes from the run it continues (``--steps`` given again extends it)."""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train-roto", help="train the rotoscoping network on clips with ground-truth masks",
        description="Train the network that corrects propagated mattes, on every clip folder of --data "
        "with frames/ and masks/ (DAVIS layout). Writes OUT, OUT's .train.pt (what --resume continues) "
        "and .losses.csv beside it.",
    )
    add_clip_folder_options(p, exclude=list(VALIDATION_SEQUENCES), out=str(DEFAULT_ROTO_MODEL_PATH),
                            what="checkpoint", resumable=True,
                            exclude_help="clip folder names kept out (default: the validation split, which the evaluation scores: %(default)s)")
    p.add_argument("--init", help="start from this checkpoint's weights instead of a fresh model")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved beside --out (its settings are reused; --steps may be raised)")
    p.add_argument("--config", default="roto", choices=["tiny", "roto"], help="model size (default: roto)")
    p.add_argument("--layouts", nargs="+", default=list(DEFAULT_LAYOUTS),
                   help="keyframe layouts each clip is propagated in to make examples: first, last, N (every N "
                   "frames from frame 0) or N+P (every N from frame P) (default: %(default)s)")
    p.add_argument("--synthetic", type=int, default=0,
                   help="also train on this many synthetic 40-frame clips: moving shapes with exact masks "
                   "composited over the (not excluded) footage of --data (default: 0)")
    p.add_argument("--band-px", type=float, default=24.0,
                   help="how far (working pixels) from the propagated outline the network may correct (default 24)")
    p.add_argument("--steps", type=int, default=None, help="optimizer steps in all (default 2000)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--time-limit", type=float,
                   help="stop and save this many seconds after the command started (examples included)")
    p.add_argument("--example-time-limit", type=float,
                   help="start no new propagation for examples this many seconds after the command started: "
                   "train on those made and cached (propagations go round by round over the clips, so every "
                   "clip has some)")
    p.add_argument("--example-cache", default=None,
                   help="where propagated examples are kept between runs (default: $KEYFILL_CACHE/roto-examples "
                   "or ~/.cache/keyfill/roto-examples; 'none' keeps nothing)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.model import PRESETS
    from core.roto.matte_example_cache import default_example_cache
    from core.roto.matte_training import MatteTrainSettings, train_matte_model
    from core.roto.matte_training_data import MatteSamples, build_examples
    from core.train.train_state import load_state

    started = time.monotonic()
    if args.resume:
        saved = load_state(args.out).get("run", {}).get("args", {})
        for key in RESUMED_ARGS:
            if key in saved and not (key == "steps" and args.steps is not None):
                setattr(args, key, saved[key])
    if args.steps is None:
        args.steps = 2000
    check_model_output(args.out, "--out", {"the model it starts from (--init)": args.init},
                       overwrite=args.overwrite, resume=args.resume)
    folders = training_clip_folders(args)
    footage = []
    if args.synthetic:
        from core.train.footage import find_footage

        footage = [clip.frames for clip in find_footage(args.data, exclude=args.exclude,
                                                       progress=TerminalProgress("footage"))
                   if len(clip.frames) > 1]
    if args.example_cache is None:
        cache = default_example_cache()
    else:
        cache = None if args.example_cache.lower() == "none" else Path(args.example_cache)
    config = PRESETS[args.config]().replace(out_channels=1, output="mask_logits")
    settings = MatteTrainSettings(steps=args.steps, batch=args.batch, lr=args.lr, device=args.device,
                                  time_limit=args.time_limit, seed=args.seed)
    cancel = CancelToken()
    with ctrl_c_cancels(cancel):  # while examples are made, Ctrl+C stops (those made are kept in the cache)
        clips, examples = build_examples(folders, layouts=args.layouts, synthetic=args.synthetic, footage=footage,
                                         seed=args.seed, cache=cache, progress=TerminalProgress("examples"),
                                         deadline=None if args.example_time_limit is None
                                         else started + args.example_time_limit, cancel=cancel)
        print(f"{len(examples)} examples from {len({e.clip for e in examples})} of {len(clips)} clips in "
              f"{time.monotonic() - started:.0f} s", flush=True)
        run_info = {"args": {k: _plain(getattr(args, k)) for k in RESUMED_ARGS},
                    "clips": [f.name for f in folders], "held_out": list(args.exclude),
                    "layouts": list(args.layouts), "examples": len(examples), "synthetic": args.synthetic,
                    "example_clips": sorted({clips[e.clip].name for e in examples})}
        result = train_matte_model(
            args.out, MatteSamples(clips, examples, seed=args.seed, band_px=args.band_px), settings,
            config=None if args.init or args.resume else config, init=None if args.resume else args.init,
            resume=args.resume, started=started, run_info=run_info, cancel=cancel,
            progress=progress_bar("training"), log=log_line,
        )
    print(f"wrote {result.model_path} ({result.step} steps, {result.stopped}), {state_path(result.model_path).name} "
          f"and {curve_path(result.model_path).name} beside it")
    return 0


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value
