"""The pieces of a ``residual_rgb`` training run that the CLI strings together: the footage and its
cached examples, the validation clips, and the rule for replacing the shipped checkpoint.

The validation split is the data README's: six DAVIS-2016 sequences that are never trained on.
Their examples are made with holes borrowed from *training* clips only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.train.footage import FootageClip, find_footage
from core.train.prealign_data import ExampleSettings, build_examples, load_examples
from core.train.prealign_samples import ClipExamples, CropSettings, PrealignSamples
from core.validation_split import VALIDATION_SEQUENCES

VALIDATION = VALIDATION_SEQUENCES
"""The validation split of ``davis2016/`` (its README): never train on these."""
HELD_OUT = VALIDATION + ("running_car",)
"""Left out of training by default: the validation split, and running_car (an eval clip)."""
VALIDATION_EXAMPLES = ExampleSettings(tracks=6, targets=4, seed=1)
"""Per validation clip: 6 moving holes x 4 targets (24 examples; 12 until stop 21, the first 3
holes of these): with twice the examples, a score's noise falls by about a third, and runs a few
tenths of a dB apart can be told apart."""


def training_samples(data: str | Path, cache: Path, *, exclude: Sequence[str] = HELD_OUT,
                     frame_height: int = 240,
                     examples: ExampleSettings | Sequence[ExampleSettings] = ExampleSettings(),
                     crop: CropSettings = CropSettings(), workers: int = 2,
                     progress: ProgressFn = no_progress,
                     cancel: CancelToken = NEVER_CANCELLED) -> tuple[PrealignSamples, list[FootageClip]]:
    """Samples over every clip under ``data`` but ``exclude``, their examples made (and cached
    in ``cache``) where missing. Clips with a mask on every frame lend their objects as holes.
    ``examples``: one set of example settings, or several whose examples are trained on together
    (e.g. the sets of earlier runs, each cached under its own name)."""
    clips = find_footage(data, exclude=exclude, frame_height=frame_height, crop=crop.crop,
                         progress=progress, cancel=cancel)
    clips = [c for c in clips if len(c.frames) > 1]  # stills have no other frame to fill from
    donors = [c for c in clips if c.masks]
    if not donors:
        from core.train.footage import TrainingDataError

        raise TrainingDataError(f"No clip under {data} has a mask on every frame (a masks/ folder "
                                "beside frames/); the holes are shaped like those objects.")
    sets = [examples] if isinstance(examples, ExampleSettings) else list(examples)
    loaded = []
    for settings in sets:
        paths = build_examples(clips, donors, cache, settings, workers=workers, progress=progress,
                               cancel=cancel)
        loaded += [ClipExamples(c.name, c.frames, load_examples(p)) for c, p in zip(clips, paths)]
    return PrealignSamples(loaded, crop), donors


def validation_examples(data: str | Path, donors: Sequence[FootageClip], cache: Path, *,
                        names: Sequence[str] = VALIDATION, frame_height: int = 240, workers: int = 2,
                        progress: ProgressFn = no_progress,
                        cancel: CancelToken = NEVER_CANCELLED) -> list[ClipExamples]:
    """The validation clips found under ``data`` (any depth), with their cached examples."""
    folders = {}
    for folder in sorted(Path(data).rglob("*")):
        if folder.name in names and folder.name not in folders and (folder / "frames").is_dir():
            folders[folder.name] = folder
    unique = [find_footage(folder, frame_height=frame_height, crop=(16, 16), cancel=cancel)[0]
              for folder in folders.values()]
    paths = build_examples(unique, donors, cache, VALIDATION_EXAMPLES, workers=workers,
                           progress=progress, cancel=cancel)
    return [ClipExamples(c.name, c.frames, load_examples(p)) for c, p in zip(unique, paths)]


def ship_if_better(candidate: Path, shipped: Path, score: float, *,
                   shipped_score: float | None = None, log=print) -> bool:
    """Copy ``candidate`` (a checkpoint, stored at half precision) over ``shipped`` when its
    validation ``score`` (mean hole PSNR gain over the flow fill, dB) beats the shipped one's,
    and the gain is positive. Returns whether it did. ``shipped_score``: the shipped checkpoint
    scored on the same validation examples now; without it, the gain recorded when it shipped
    (which another flow fill or other examples no longer reproduce: give it where you can)."""
    import torch

    from core.model import load_checkpoint, save_checkpoint

    previous = shipped_score
    if previous is None and shipped.exists():
        _, extra = load_checkpoint(shipped)
        previous = extra.get("validation_gain")
    if score <= 0 or (previous is not None and score <= previous):
        log(f"not shipped: validation gain {score:+.2f} dB (shipped: "
            f"{'none' if previous is None else f'{previous:+.2f} dB'})")
        return False
    model, extra = load_checkpoint(candidate)
    extra = {**extra, "validation_gain": float(score)}
    save_checkpoint(shipped, model, extra=extra, dtype=torch.float16)  # written atomically
    log(f"shipped {shipped}: validation gain {score:+.2f} dB (was "
        f"{'none' if previous is None else f'{previous:+.2f} dB'})")
    return True
