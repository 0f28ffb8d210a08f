"""The simulated editor of issue 15: how many keyframes it takes to get a clean matte.

An editor paints the object on the first frame, propagates, looks for the frame where the mask is
worst and paints that one too, and so on. Here the editor is simulated on clips with a true mask
per frame (the DAVIS protocol of interactive segmentation, with keyframes instead of scribbles):

1. round 1: the true mask of frame 0 is the only keyframe; every frame is propagated;
2. each later round adds, as a keyframe, the true mask of the frame with the lowest J (region
   IoU) in the previous round (ties: the earliest), and re-propagates only the frames that
   keyframe affects (:func:`core.roto.frames_affected_by`: those between its neighbouring
   keyframes); the other frames keep their masks. The clip refiner kept from the previous round
   is warm-started, as for an edit in the window;
3. up to :data:`MAX_KEYFRAMES` keyframes.

After each round the whole clip is scored (every frame, keyframes included: what the editor ends
up with): J, F, J&F as in :mod:`core.eval.roto_eval`, and the share of frames that leak onto the
background (:mod:`core.metrics.leaks`). *Seconds* is the wall time of the round's propagation,
the flows of the frames it touches included (each round computes them afresh, as each
propagation in the window does). The number of keyframes needed to reach J&F
:data:`TARGET_J_AND_F` is the first round that does (None: not reached).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from core.clip_folder import is_clip_folder, read_clip_with_masks
from core.errors import VideoError
from core.flow import FlowField
from core.metrics import j_and_f, leaking_frames
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto import frames_affected_by, propagate_masks
from core.roto.clip_refiner import forget_refiners
from core.validation_split import VALIDATION_SEQUENCES

VALIDATION_CLIPS = VALIDATION_SEQUENCES
"""The DAVIS-2016 validation split of ``davis2016/`` (never trained on)."""
DEFAULT_CLIPS = VALIDATION_CLIPS + ("bmx-trees",)
MAX_KEYFRAMES = 8
TARGET_J_AND_F = 90.0
WORKING_WIDTH = 480  # as the window's default and roto_eval's


@dataclass(frozen=True)
class EditorRound:
    """One round of the simulated editor: the keyframes after its edit and the clip's score."""

    keyframes: tuple[int, ...]
    """Every keyframe so far, sorted."""
    added: int
    """The keyframe this round added (0 in round 1)."""
    propagated: int
    """Frames propagated in this round (every frame but the keyframe in round 1)."""
    seconds: float
    """Wall time of the round's propagation, flows included."""
    j: float
    f: float
    """Mean J and F over every frame, 0..1."""
    j_and_f: float
    """``100 * (j + f) / 2``."""
    j_per_frame: tuple[float, ...]
    leaking: float
    """Share of frames whose mask leaks onto the background (0..1)."""


@dataclass(frozen=True)
class EditorRun:
    """The simulated editor's rounds on one clip."""

    clip: str
    frame_count: int
    rounds: tuple[EditorRound, ...]

    def keyframes_to_reach(self, target: float = TARGET_J_AND_F) -> int | None:
        """Keyframes of the first round whose J&F is at least ``target``; None if none is."""
        return next((len(r.keyframes) for r in self.rounds if r.j_and_f >= target), None)


def simulate_editor(
    frames: Sequence[np.ndarray],
    truth: Sequence[np.ndarray],
    *,
    max_keyframes: int = MAX_KEYFRAMES,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> list[EditorRound]:
    """The editor's rounds on one clip: ``frames`` ``(H, W, 3)`` uint8 RGB, ``truth`` ``(H, W)``
    uint8 0/255 masks, one per frame. Stops after ``max_keyframes`` keyframes or when every frame
    is one. Progress counts rounds (of ``max_keyframes``)."""
    if max_keyframes < 1:
        raise ValueError(f"max_keyframes must be at least 1, got {max_keyframes}")
    frame_count = len(frames)
    forget_refiners()  # the first round starts from scratch, as a first propagation does
    keyframes: dict[int, np.ndarray] = {}
    masks: dict[int, np.ndarray] = {}
    rounds: list[EditorRound] = []
    added = 0
    while True:
        progress(len(rounds), max_keyframes, f"round {len(rounds) + 1}: keyframe {added} added")
        keyframes[added] = truth[added]
        wanted = frames_affected_by(added, keyframes, frame_count)
        started = time.perf_counter()
        masks.update(_propagated(frames, keyframes, wanted, cancel))
        seconds = time.perf_counter() - started
        masks[added] = truth[added]
        rounds.append(_scored(masks, truth, keyframes, added, len(wanted), seconds))
        candidates = [f for f in range(frame_count) if f not in keyframes]
        if len(keyframes) >= max_keyframes or not candidates:
            break
        worst = rounds[-1].j_per_frame
        added = min(candidates, key=lambda f: (worst[f], f))
    progress(max_keyframes, max_keyframes, f"{len(rounds)} rounds")
    return rounds


def evaluate_roto_interactive(
    data_root: Path,
    *,
    clips: Sequence[str] | None = None,
    max_keyframes: int = MAX_KEYFRAMES,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> list[EditorRun]:
    """:func:`simulate_editor` on each clip of ``data_root`` (see :func:`interactive_clip_folders`).
    Progress counts rounds over all clips."""
    folders = interactive_clip_folders(Path(data_root), clips)
    total = len(folders) * max_keyframes
    runs: list[EditorRun] = []
    for number, folder in enumerate(folders):
        cancel.raise_if_cancelled()
        frames, truth = read_clip_with_masks(folder)

        def clip_progress(done: int, _total: int, message: str, offset: int = number * max_keyframes,
                          name: str = folder.name) -> None:
            progress(offset + done, total, f"{name}, {message}")

        rounds = simulate_editor(frames, truth, max_keyframes=max_keyframes, progress=clip_progress, cancel=cancel)
        runs.append(EditorRun(folder.name, len(frames), tuple(rounds)))
    progress(total, total, "Simulated editor evaluated")
    return runs




def interactive_table_markdown(runs: Sequence[EditorRun], *, target: float = TARGET_J_AND_F) -> str:
    """A Markdown table of :func:`evaluate_roto_interactive`'s runs: one line per clip (J&F after
    each round, keyframes to ``target``, seconds per round, frames re-propagated, leaking frames,
    the keyframes in the order added) and a line of means when there are several clips."""
    rounds = max((len(run.rounds) for run in runs), default=0)
    header = (["clip", "frames"] + [f"J&F, {n} kf" for n in range(1, rounds + 1)]
              + [f"keyframes to J&F {target:g}", "seconds: round 1 / later (mean, max)",
                 "frames re-propagated (later rounds, mean)", "leaking frames (round 1 / last)",
                 "keyframes in the order added"])
    lines = [_row(header), "|---|---:|" + "---:|" * rounds + "---:|---:|---:|---:|---|"]
    for run in runs:
        needed = run.keyframes_to_reach(target)
        scores = [f"{r.j_and_f:.1f}" for r in run.rounds] + ["–"] * (rounds - len(run.rounds))
        lines.append(_row([run.clip, str(run.frame_count)] + scores + [
            "not reached" if needed is None else str(needed),
            _seconds([r.seconds for r in run.rounds[:1]], [r.seconds for r in run.rounds[1:]]),
            _number([r.propagated for r in run.rounds[1:]], "{:.0f}"),
            _leaks([run.rounds[0].leaking], [run.rounds[-1].leaking]),
            ", ".join(str(r.added) for r in run.rounds),
        ]))
    if len(runs) > 1:
        needed = [run.keyframes_to_reach(target) for run in runs]
        reached = [n for n in needed if n is not None]
        per_round = [[run.rounds[n].j_and_f for run in runs if len(run.rounds) > n] for n in range(rounds)]
        lines.append(_row([f"**mean of {len(runs)}**", "–"] + [f"**{_mean(v):.1f}**" for v in per_round] + [
            f"{_mean(reached):.1f} ({len(reached)} of {len(runs)} reached)" if reached
            else f"not reached (0 of {len(runs)})",
            _seconds([run.rounds[0].seconds for run in runs], [r.seconds for run in runs for r in run.rounds[1:]]),
            _number([r.propagated for run in runs for r in run.rounds[1:]], "{:.0f}"),
            _leaks([run.rounds[0].leaking for run in runs], [run.rounds[-1].leaking for run in runs]),
            "–",
        ]))
    return "\n".join(lines) + "\n"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _seconds(first: Sequence[float], later: Sequence[float]) -> str:
    return f"{_mean(first):.1f} / " + (f"{_mean(later):.1f}, {max(later):.1f}" if later else "–")


def _number(values: Sequence[float], form: str) -> str:
    return form.format(_mean(values)) if values else "–"


def _leaks(first: Sequence[float], last: Sequence[float]) -> str:
    return f"{100 * _mean(first):.0f} % / {100 * _mean(last):.0f} %"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")

def interactive_clip_folders(data_root: Path, clips: Sequence[str] | None = None) -> list[Path]:
    """The folders of ``clips`` (default :data:`DEFAULT_CLIPS`, those present), each looked for as
    ``data_root/davis2016/<name>`` and then ``data_root/<name>``, holding ``frames/`` and ``masks/``.
    Raises VideoError for a named clip that is not there, or when none of the defaults is."""
    def found(name: str) -> Path | None:
        for folder in (data_root / "davis2016" / name, data_root / name):
            if is_clip_folder(folder):
                return folder
        return None

    if clips is None:
        folders = [f for f in map(found, DEFAULT_CLIPS) if f is not None]
        if not folders:
            raise VideoError(f"'{data_root}' has none of the clips {', '.join(DEFAULT_CLIPS)} with frames/ and "
                             "masks/; point --data at a data root such as /work/shared/data.")
        return folders
    folders = []
    for name in clips:
        folder = found(name)
        if folder is None:
            raise VideoError(f"'{data_root}' has no clip '{name}' with frames/ and masks/ (looked in "
                             f"davis2016/{name} and {name}); name clips that are there.")
        folders.append(folder)
    return folders


def _propagated(frames: Sequence[np.ndarray], keyframes: dict[int, np.ndarray], wanted: list[int],
                cancel: CancelToken) -> dict[int, np.ndarray]:
    """The one call of the propagation: ``{frame: mask}`` of ``wanted`` from ``keyframes``, with
    its defaults (what the window runs), on flows computed afresh."""
    if not wanted:
        return {}
    frame_of = frames.__getitem__
    flow = FlowField(frame_of, len(frames), working_width=WORKING_WIDTH)
    results = propagate_masks(frame_of=frame_of, frame_count=len(frames), keyframes=dict(keyframes),
                              flow=flow, frames=wanted, cancel=cancel)
    return {f: results[f].mask for f in wanted}


def _scored(masks: dict[int, np.ndarray], truth: Sequence[np.ndarray], keyframes: dict[int, np.ndarray],
            added: int, propagated: int, seconds: float) -> EditorRound:
    every = range(len(truth))
    predicted = [masks[f] for f in every]
    score = j_and_f(predicted, list(truth))
    leaks = leaking_frames(predicted, truth)
    return EditorRound(
        keyframes=tuple(sorted(keyframes)), added=added, propagated=propagated, seconds=seconds,
        j=score.j_mean, f=score.f_mean, j_and_f=score.j_and_f, j_per_frame=tuple(map(float, score.j_per_frame)),
        leaking=sum(leaks) / len(leaks),
    )
