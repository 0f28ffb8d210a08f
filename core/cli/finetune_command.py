"""``main.py finetune PROJECT.keyfill --steps N -o OUT.pt``: adapt the model to one clip.

Trains on the project's own frames, with truth only where the clip's pixels are known: never
inside the objects' masks (see ``core/train/finetune.py``). Starts from the shipped base model,
``resources/models/keyfill-base.pt``, when it is there (or from ``--init``).
"""

from __future__ import annotations

import time
from pathlib import Path

from core.cli.output_options import add_overwrite_option
from core.cli.train_terminal import (RESUME_OR_OVERWRITE, check_model_output,
                                     ctrl_c_cancels, default_workers, log_line, parse_crop, progress_bar)
from core.progress import CancelToken

REPO = Path(__file__).resolve().parents[2]


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "finetune", help="fine-tune the model on a project's clip (outside its object masks)",
        description="Fine-tune on the clip of a .keyfill project: random holes over the "
        "background the clip shows, never inside the objects' masks. Frames without a mask are "
        "not used.")
    p.add_argument("project", help="a .keyfill project with object masks")
    p.add_argument("-o", "--output", required=True, help="the fine-tuned model file (.pt); it must not be "
                   "the project, its clip or --init, and " + RESUME_OR_OVERWRITE)
    add_overwrite_option(p)
    p.add_argument("--steps", type=int, default=None,
                   help="optimizer steps (default 200 for the shipped model that corrects the "
                   "flow fill: about 3 minutes for 100 frames at 432x240 on 2 CPU cores; else 300)")
    p.add_argument("--init", default=None,
                   help="model to start from (default resources/models/keyfill-base.pt; a "
                   "fresh base model if there is none)")
    p.add_argument("--batch", type=int, default=4, help="samples per step (default 4)")
    p.add_argument("--lr", type=float, default=None,
                   help="peak learning rate (default 3e-4 for the shipped model, else 1e-4)")
    p.add_argument("--device", default="auto", help="auto (default), cuda, mps or cpu")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop and save before this many seconds")
    p.add_argument("--resume", action="store_true", help="continue the run saved beside -o")
    p.add_argument("--crop", default=None, help="training crop, N or HxW pixels (default 192 for "
                   "the shipped model, else 256)")
    p.add_argument("--frame-height", type=int, default=None,
                   help="frames are scaled to this height first (default 240 for the shipped "
                   "model, else 256)")
    p.add_argument("--max-pairs", type=int, default=1000,
                   help="compute flow for at most this many frame pairs (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(run=run)


def run(args) -> int:
    from core.model import PRESETS, pick_device
    from core.project import load_project
    from core.train import FinetuneOptions, TrainOptions
    from core.train.finetune import default_init, finetune_project
    from core.video import open_clip

    started = time.monotonic()
    out = Path(args.output)
    project = load_project(args.project)
    init = Path(args.init) if args.init else default_init(REPO)
    check_model_output(out, "-o", {"the project": args.project, "the project's clip": project.clip.path,
                                    "the model it starts from": None if args.resume else init},
                       overwrite=args.overwrite, resume=args.resume)
    fresh = None
    if init is None and not args.resume:
        log_line("no shipped model at resources/models/keyfill-base.pt: starting from a fresh "
                 "correction of the flow fill (it starts as the flow fill and learns this clip)")
        fresh = PRESETS["cpu"]()
    device = pick_device(args.device)
    from core.train.finetune import corrects_flow_fill

    residual = fresh is not None or init is not None and not args.resume and corrects_flow_fill(init)
    steps = args.steps or (200 if residual else 300)
    settings = TrainOptions(
        steps=steps, batch=args.batch, lr=args.lr or (3e-4 if residual else 1e-4), device=args.device,
        workers=default_workers(device.type), time_limit=args.time_limit,
        log_every=max(1, min(50, steps // 10)), save_every=max(100, steps),
        seed=args.seed)
    options = FinetuneOptions(settings, init=init, fresh_config=fresh, resume=args.resume,
                              crop=parse_crop(args.crop or ("192" if residual else "256")),
                              frame_height=args.frame_height or (240 if residual else 256), max_pairs=args.max_pairs)
    cancel = CancelToken()
    with open_clip(project.clip.path) as reader, ctrl_c_cancels(cancel):
        result = finetune_project(
            project, reader.frame, out, options, run_info={"project": str(args.project)}, started=started,
            progress=progress_bar("fine-tuning"), cancel=cancel, log=log_line)
    print(f"fine-tuned to step {result.step}/{steps} ({result.stopped}), final loss "
          f"{result.final_loss:.4f}; wrote {out}")
    return 0
