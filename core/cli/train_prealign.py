"""``main.py train --config cpu``: the removal network that corrects the flow fill (issue 13).

Footage under ``--data`` (the validation split and running_car left out unless ``--exclude``
says otherwise) becomes cached examples (the flow fill of moving holes, the costly part: minutes
the first time, nothing after), then crops of them train the network; at the end it is scored on
the validation clips against the flow fill, and ``--ship`` replaces the shipped checkpoint when
the score beats it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from core.cli.train_terminal import ctrl_c_cancels, log_line, parse_crop, progress_bar, train_options
from core.progress import CancelToken


def run_prealign(args, out: Path, started: float) -> int:
    from core.model import PRESETS, load_checkpoint
    from core.train import TrainingDataError, train
    from core.train.prealign_data import ExampleSettings, default_cache_folder
    from core.train.prealign_run import HELD_OUT, ship_if_better, training_samples, validation_examples
    from core.train.prealign_samples import CropSettings
    from core.train.prealign_validation import validate, validation_table

    if not args.data:
        raise TrainingDataError("train needs --data FOLDER (clips with per-frame masks, e.g. "
                                "../shared/data).")
    exclude = list(HELD_OUT) if args.exclude is None else list(args.exclude)
    cache = Path(args.cache) if args.cache else default_cache_folder()
    crop = parse_crop(args.crop or "192")
    settings = train_options(args, workers=0)  # the examples are made once, before training
    cancel = CancelToken()
    log = log_line
    t0 = time.monotonic()
    log(f"examples of the footage under {args.data} (leaving out {', '.join(exclude) or 'nothing'}), "
        f"cached in {cache}")
    samples, donors = training_samples(
        args.data, cache / "train", exclude=exclude,
        frame_height=args.frame_height or 240,
        examples=[ExampleSettings(tracks=args.tracks, targets=args.targets, seed=args.seed,
                                  locked=args.locked_tracks),
                  *(parse_example_set(text, args.targets) for text in args.more_examples or ())],
        crop=CropSettings(crop=crop, keyframes=min(args.keyframes or 2, 3), seed=args.seed,
                          candidates=_reads_candidates(args, out)),
        progress=progress_bar("examples"), cancel=cancel)
    log(f"{len(samples.clips)} clips, {len(samples.index)} examples in {time.monotonic() - t0:.0f}s")
    validation = validation_examples(args.val_data or args.data, donors, cache / "val",
                                     frame_height=args.frame_height or 240,
                                     progress=progress_bar("validation examples"), cancel=cancel)
    log(f"validation: {', '.join(c.name for c in validation) or 'none found'}")

    run_info = {"args": {k: _plain(getattr(args, k, None)) for k in (
        "config", "data", "exclude", "crop", "keyframes", "seed", "batch", "accumulate", "lr",
        "warmup", "val_data", "tracks", "targets", "locked_tracks", "more_examples", "deepen", "candidates",
        "candidate_blend", "steps")},
        "clips": [c.name for c in samples.clips], "excluded": exclude,
        "examples": len(samples.index), "init": args.init}
    init = args.init
    if (args.deepen or args.candidates) and init and not args.resume:
        init = _grown_start(Path(init), args.deepen, args.candidates, out, log,
                            blend=args.candidate_blend)
    config = PRESETS[args.config]()
    if args.candidates:
        config = config.with_candidates(args.candidates, blend=args.candidate_blend)
    with ctrl_c_cancels(cancel):
        result = train(out, samples, settings, config=None if init else config,
                       init=init, resume=args.resume, run_info=run_info, started=started,
                       progress=progress_bar("training"), cancel=cancel, log=log)
    log(f"trained to step {result.step}/{args.steps} ({result.stopped}) in "
        f"{time.monotonic() - started:.0f}s; wrote {out}")
    if not validation:
        log("no validation clip found: nothing to compare with the flow fill")
        return 0
    model, _ = load_checkpoint(out)
    scores = validate(model, validation, progress=progress_bar("validating"), cancel=cancel)
    log("hole PSNR on the validation split (the flow fill is the network's input):\n"
        + validation_table(scores))
    out.with_suffix(".validation.json").write_text(json.dumps(scores, indent=1))
    if args.ship:
        shipped, shipped_score = Path(args.ship), None
        if shipped.exists():  # scored again on these examples: a recorded gain may not reproduce
            shipped_score = validate(load_checkpoint(shipped)[0], validation, cancel=cancel)["gain"]
            log(f"the shipped {shipped} on the same examples: {shipped_score:+.2f} dB")
        ship_if_better(out, shipped, scores["gain"], shipped_score=shipped_score, log=log)
    return 0


def _reads_candidates(args, out: Path) -> bool:
    """Whether the trained model reads the flow fill's candidates: ``--candidates``, or the model
    it starts from (or resumes) does, or for a fresh start its preset does (``cpu``)."""
    from core.model import PRESETS, load_checkpoint

    if args.candidates:
        return True
    start = out if args.resume else args.init
    config = load_checkpoint(Path(start))[0].config if start else PRESETS[args.config]()
    return config.candidate_inputs > 0


def _grown_start(init: Path, blocks: int | None, candidates: int | None, out: Path, log, *,
                 blend: bool = False) -> Path:
    """``init``'s weights in a model with ``blocks`` residual blocks per intra-frame block (the
    new ones near the identity) and/or reading ``candidates`` flow-fill candidates (their
    weights at zero; ``blend``: weighing them too), written beside ``out`` to start from."""
    from core.model import load_checkpoint, save_checkpoint
    from core.model.grow import deepened, with_candidate_inputs

    model, extra = load_checkpoint(init)
    grown = model.float()
    if blocks:
        grown = deepened(grown, blocks)
    if candidates:
        grown = with_candidate_inputs(grown, candidates, blend=blend)
    path = out.with_name(out.stem + ".start.pt")
    save_checkpoint(path, grown, extra={"grown_from": str(init)})
    log(f"starting from {init}, grown to {grown.config.lif_res_blocks_per_block} residual blocks "
        f"per block and {grown.config.candidate_inputs} flow-fill candidates in"
        f"{' (weighed)' if grown.config.candidate_blend else ''} "
        f"({sum(p.numel() for p in model.parameters()) / 1e6:.2f} M -> "
        f"{sum(p.numel() for p in grown.parameters()) / 1e6:.2f} M parameters)")
    return path


def parse_example_set(text: str, targets: int):
    """``TRACKS:LOCKED:SEED`` (``--more-examples``) -> the example settings of that set."""
    from core.train import TrainingDataError
    from core.train.prealign_data import ExampleSettings

    try:
        tracks, locked, seed = (int(part) for part in text.split(":"))
    except ValueError:
        raise TrainingDataError(f"--more-examples {text!r}: expected TRACKS:LOCKED:SEED, three "
                                "whole numbers such as 16:0:2") from None
    if tracks < 0 or locked < 0 or tracks + locked == 0:
        raise TrainingDataError(f"--more-examples {text!r}: a set needs at least one hole "
                                "(TRACKS + LOCKED > 0, neither negative)")
    return ExampleSettings(tracks=tracks, targets=targets, seed=seed, locked=locked)


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value
