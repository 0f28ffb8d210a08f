"""``main.py train-roto``: train the rotoscoping network on clips with a mask per frame.

Every clip folder of ``--data`` with ``frames/`` and ``masks/`` (except ``--exclude``, the clips
kept out for evaluation), and ``--synthetic`` clips of shapes moving over the footage of
``--data`` (:mod:`core.roto.synthetic_clips`), are rotoscoped by the classical propagation from
their true masks in many keyframe layouts; the network learns to correct those propagated mattes
(:mod:`core.roto.matte_training_data`, :mod:`core.roto.matte_training`). The result is the model
``main.py roto``, the window and ``main.py eval --task roto`` use
(``resources/models/keyfill-roto.pt`` by default).
"""

from __future__ import annotations

from pathlib import Path

from core.cli.terminal_progress import TerminalProgress
from core.cli.train_terminal import add_clip_folder_options, training_clip_folders
from core.roto.matte_model import DEFAULT_ROTO_MODEL_PATH


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train-roto", help="train the rotoscoping network on clips with ground-truth masks",
        description="Train the network that corrects propagated mattes, on every clip folder of --data "
        "with frames/ and masks/ (DAVIS layout).",
    )
    add_clip_folder_options(p, exclude=[], out=str(DEFAULT_ROTO_MODEL_PATH), what="checkpoint",
                            exclude_help="clip folder names kept out (held out for eval)")
    p.add_argument("--init", help="start from this checkpoint's weights instead of a fresh model")
    p.add_argument("--config", default="roto", choices=["tiny", "roto"], help="model size (default: roto)")
    p.add_argument("--keyframe-steps", type=int, nargs="+", default=[10, 20, 30, 40],
                   help="keyframe spacings the training propagations use (default: 10 20 30 40)")
    p.add_argument("--synthetic", type=int, default=8,
                   help="also train on this many synthetic 40-frame clips: moving shapes with exact masks "
                   "composited over the (not excluded) footage of --data (default: 8)")
    p.add_argument("--band-px", type=float, default=24.0,
                   help="how far (working pixels) from the propagated outline the network may correct (default 24)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--time-limit", type=float, help="stop and save after this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.model import PRESETS
    from core.output_paths import check_outputs, output_for
    from core.roto.matte_training import MatteTrainSettings, train_matte_model
    from core.roto.matte_training_data import MatteSamples, build_examples

    check_outputs([output_for(args.out, "--out")], {"the model it starts from (--init)": args.init},
                  overwrite=True)  # a model file is replaced, as every training run does
    folders = training_clip_folders(args)
    footage = []
    if args.synthetic:
        from core.train.footage import find_footage

        footage = [clip.frames for clip in find_footage(args.data, exclude=args.exclude,
                                                       progress=TerminalProgress("footage"))
                   if len(clip.frames) > 1]
    clips, examples = build_examples(folders, keyframe_steps=args.keyframe_steps, synthetic=args.synthetic,
                                     footage=footage, seed=args.seed, progress=TerminalProgress("examples"))
    config = PRESETS[args.config]().replace(out_channels=1, output="mask_logits")
    settings = MatteTrainSettings(steps=args.steps, batch=args.batch, lr=args.lr, device=args.device,
                                  time_limit=args.time_limit, seed=args.seed)
    result = train_matte_model(
        args.out, MatteSamples(clips, examples, seed=args.seed, band_px=args.band_px), settings,
        config=None if args.init else config, init=args.init,
        run_info={"clips": [f.name for f in folders], "held_out": list(args.exclude),
                  "examples": len(examples), "synthetic": args.synthetic},
        progress=TerminalProgress("training"), log=print,
    )
    curve = Path(result.model_path).with_suffix(".losses.csv")
    with open(curve, "w") as handle:
        handle.write("step,loss,bce,dice,seconds\n")
        for row in result.history:
            handle.write(",".join(f"{v:.6g}" for v in row) + "\n")
    print(f"wrote {result.model_path} ({result.step} steps, {result.stopped}) and {curve}")
    return 0
