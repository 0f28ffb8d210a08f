"""``main.py train-refiner``: pretrain the clip refiner on clips with a mask per frame.

Every clip folder of ``--data`` with ``frames/`` and ``masks/``, except ``--exclude`` (by default
the validation split of ``davis2016/`` and bmx-trees, which choose and score it), teaches the
refiner's small network to pull propagated mattes onto the object's outline
(:mod:`core.roto.clip_refiner_pretraining`); every clip's refiner then starts from these weights
(``resources/models/keyfill-refiner.pt`` by default, or ``$KEYFILL_REFINER_MODEL``).
"""

from __future__ import annotations

from core.cli.terminal_progress import TerminalProgress
from core.cli.train_terminal import add_clip_folder_options, check_model_output, training_clip_folders
from core.model.weights import CLIP_REFINER
from core.validation_split import VALIDATION_SEQUENCES

HELD_OUT = (*VALIDATION_SEQUENCES, "bmx-trees")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train-refiner", help="pretrain the clip refiner on clips with ground-truth masks",
        description="Pretrain the clip refiner's network on every clip folder of --data with frames/ and "
        "masks/ (DAVIS layout); each clip's refiner then starts from these weights.",
    )
    add_clip_folder_options(p, exclude=list(HELD_OUT), out=str(CLIP_REFINER.file), what="weights",
                            resumable=False,
                            exclude_help="clip folder names kept out (default: the validation split and "
                            "bmx-trees: %(default)s)")
    p.add_argument("--steps", type=int, default=1000, help="training steps (default: %(default)s, the shipped run)")
    p.add_argument("--frame-stride", type=int, default=6, help="frames between a clip's examples (default: 6)")
    p.add_argument("--time-limit", type=float, help="write the weights as they are after this many seconds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--channels", type=int, default=32,
                   help="the network's width (default: %(default)s, the shipped weights; 16 trains 3.7x faster "
                   "on a CPU without bfloat16 but lost 3-5 J&F, docs/quality.md)")
    p.set_defaults(run=run)


def run(args) -> int:
    from core.roto.clip_refiner_pretraining import PretrainSettings, pretrain_clip_refiner

    settings = PretrainSettings(steps=args.steps, frame_stride=args.frame_stride, time_limit=args.time_limit,
                                seed=args.seed, channels=args.channels)
    check_model_output(args.out, "--out", {}, overwrite=args.overwrite)
    folders = training_clip_folders(args)
    result = pretrain_clip_refiner(folders, args.out, settings, progress=TerminalProgress("pretraining"), log=print)
    size = result.path.stat().st_size
    print(f"wrote {result.path} ({size / 1024:.0f} KB; {result.steps} steps, {result.stopped}, "
          f"{result.examples} examples, {result.seconds:.0f} s)")
    return 0
