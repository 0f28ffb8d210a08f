"""Rotoscoping quality on clips with per-frame ground-truth masks: DAVIS-style J, F and J&F.

A *data root* holds one folder per clip with ``frames/`` (numbered images) and ``masks/``
(one 0/255 mask per frame, same numbers), as ``/work/shared/data`` does for the DAVIS clips
bmx-trees and tennis. Each clip is rotoscoped from keyframes taken from its ground truth in two
settings, and every method runs on the same keyframes and the same cached flows:

- ``1 keyframe``: the first frame only (everything after it is carried forward);
- ``every 20``: frames 0, 20, 40, ... (the last frame only if it falls on the step).

Scores are over the frames that are *not* keyframes (keyframes come back as painted, so counting
them would only flatter every method alike). J is region IoU, F the boundary F-measure at the
DAVIS tolerance, ``J&F = 100 * (mean J + mean F) / 2`` (:mod:`core.metrics.segmentation`).
*Leaking frames* are the share of scored frames whose mask grew onto the background by more than
20 % of the object's area (:mod:`core.metrics.leaks`).
Methods: ``propagation`` (:func:`core.roto.propagate_masks`, what the app runs) and ``baseline``
(:func:`core.roto.warp_first_keyframe_masks`: the previous keyframe's mask warped along flow).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from core.clip_folder import clip_folders, read_clip_with_masks
from core.flow import FlowField
from core.metrics import j_and_f, leaking_frames
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto import RotoOptions, propagate_masks, warp_first_keyframe_masks
from core.roto.clip_refiner import forget_refiners

KEYFRAME_SETTINGS: dict[str, int | None] = {"1 keyframe": None, "every 20": 20}
"""Setting name → keyframe step in frames (None: the first frame only)."""

Method = Callable[..., dict[int, np.ndarray]]


def evaluate_roto(
    data_root: Path,
    *,
    clips: list[str] | None = None,
    matte_model=None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> list[dict]:
    """Score every method in every keyframe setting on every clip of ``data_root`` with masks.

    clips: clip folder names to run (default: every folder with ``frames/`` and ``masks/``).
    matte_model: a loaded :class:`core.roto.matte_model.MatteModel`: adds the method ``learned``
        (the propagation corrected by the network).
    Returns one row per (clip, setting, method): ``{"clip", "setting", "method", "keyframes"
    (list of frame indices), "frames" (scored frame count), "J", "F" (0..1), "J&F" (0..100),
    "J_per_frame" ({frame: J}), "leaking" (share of scored frames that leak, 0..1), "seconds" (wall time of the method, flows included for the first
    method of a clip; ``learned`` reuses the clip refiners ``propagation`` trained), "network_seconds" (of
    those, in the network's correction)}``. Progress counts (clip, setting, method) runs.
    Raises VideoError when ``data_root`` has no clip with masks.
    """
    folders = clip_folders(Path(data_root), clips)
    methods = roto_methods(matte_model)
    total = len(folders) * len(KEYFRAME_SETTINGS) * len(methods)
    rows: list[dict] = []
    for folder in folders:
        frames, truth = read_clip_with_masks(folder)
        flow = FlowField(frames.__getitem__, len(frames), working_width=480)
        for setting, step in KEYFRAME_SETTINGS.items():
            keyframes = keyframe_indices(len(frames), step)
            scored = [f for f in range(len(frames)) if f not in keyframes]
            for method_name, method in methods.items():
                cancel.raise_if_cancelled()
                progress(len(rows), total, f"{folder.name}, {setting}: {method_name}")
                started, network = time.perf_counter(), getattr(matte_model, "seconds", 0.0)
                masks = method(
                    frames.__getitem__, len(frames), {k: truth[k] for k in keyframes},
                    flow=flow, frames=scored, cancel=cancel,
                )
                seconds = time.perf_counter() - started
                score = j_and_f([masks[f] for f in scored], [truth[f] for f in scored])
                leaks = leaking_frames([masks[f] for f in scored], [truth[f] for f in scored])
                rows.append({
                    "clip": folder.name, "setting": setting, "method": method_name,
                    "keyframes": keyframes, "frames": len(scored),
                    "J": score.j_mean, "F": score.f_mean, "J&F": score.j_and_f,
                    "J_per_frame": dict(zip(scored, score.j_per_frame)),
                    "leaking": sum(leaks) / max(1, len(leaks)), "seconds": seconds,
                    "network_seconds": getattr(matte_model, "seconds", 0.0) - network,
                })
    progress(total, total, "Rotoscoping evaluated")
    return rows


def roto_table_markdown(rows: list[dict]) -> str:
    """A Markdown table of :func:`evaluate_roto`'s rows: one line per clip and setting,
    baseline and propagation side by side (J&F, J, F), the difference in J&F and the share of
    frames that leak (baseline / propagation)."""
    by_key: dict[tuple[str, str], dict[str, dict]] = {}
    for row in rows:
        by_key.setdefault((row["clip"], row["setting"]), {})[row["method"]] = row
    learned = any(row["method"] == "learned" for row in rows)
    lines = [
        "| clip | keyframes | frames scored | baseline J&F (J / F) | propagation J&F (J / F) | gain "
        "| leaking frames (baseline / propagation) |"
        + (" learned J&F (J / F) | learned gain |" if learned else ""),
        "|---|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if learned else ""),
    ]
    for (clip, setting), methods in by_key.items():
        base, ours = methods.get("baseline"), methods.get("propagation")
        any_row = ours or base
        line = (f"| {clip} | {setting} ({_frame_list(any_row['keyframes'])}) | {any_row['frames']} "
                f"| {_cell(base)} | {_cell(ours)} | {_gain(ours, base)} | {_leaks(base)} / {_leaks(ours)} |")
        if learned:
            line += f" {_cell(methods.get('learned'))} | {_gain(methods.get('learned'), base)} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def roto_summary_markdown(rows: list[dict]) -> str:
    """Per keyframe setting and method: mean J&F over the clips, and the seconds per scored frame
    (for ``learned``, also those in the network's correction: what it adds to a propagation)."""
    lines = ["| keyframes | method | clips | mean J&F | s/frame |", "|---|---|---:|---:|---:|"]
    for setting in dict.fromkeys(row["setting"] for row in rows):
        by_method: dict[str, list[dict]] = {}
        for row in rows:
            if row["setting"] == setting:
                by_method.setdefault(row["method"], []).append(row)
        for method, group in by_method.items():
            mean = sum(r["J&F"] for r in group) / len(group)
            per_frame = sum(r["seconds"] for r in group) / max(1, sum(r["frames"] for r in group))
            cell = f"{per_frame:.2f}"
            if method == "learned":
                added = sum(r.get("network_seconds", 0.0) for r in group) / max(1, sum(r["frames"] for r in group))
                cell += f" (network {added:.2f})"
            lines.append(f"| {setting} | {method} | {len(group)} | **{mean:.1f}** | {cell} |")
    return "\n".join(lines) + "\n"


def _leaks(row: dict | None) -> str:
    return "–" if row is None or "leaking" not in row else f"{100 * row['leaking']:.0f} %"


def _gain(row: dict | None, base: dict | None) -> str:
    return f"{row['J&F'] - base['J&F']:+.1f}" if row and base else "–"


def roto_methods(matte_model=None) -> dict[str, Method]:
    """Method name → a function with :func:`core.roto.warp_first_keyframe_masks`'s signature
    returning ``{frame: (H, W) uint8 0/255 mask}``; ``learned`` only with a ``matte_model``."""
    def propagation(*args, **kwargs) -> dict[int, np.ndarray]:
        # every setting from scratch, as a first propagation: a clip refiner kept from another
        # setting would warm-start this one (the every-20 run would start from what the 1-keyframe
        # run learned), and scores would depend on the order settings run in
        forget_refiners()
        return {f: r.mask for f, r in propagate_masks(*args, **kwargs).items()}

    methods: dict[str, Method] = {"baseline": warp_first_keyframe_masks, "propagation": propagation}
    if matte_model is not None:
        def learned(*args, **kwargs) -> dict[int, np.ndarray]:
            # runs right after "propagation" on the same keyframes (evaluate_roto keeps this order):
            # the clip refiners it trained from scratch are kept under these keyframes (and fused
            # mattes) and found as they are, so the network is scored on the same refined mattes,
            # without training the refiner a second time (the larger part of a propagation's time)
            options = RotoOptions(matte_model=matte_model)
            return {f: r.mask for f, r in propagate_masks(*args, options=options, **kwargs).items()}

        methods["learned"] = learned
    return methods


def keyframe_indices(frame_count: int, step: int | None) -> list[int]:
    """Frames 0, step, 2·step, ... below ``frame_count`` (just ``[0]`` for None)."""
    return [0] if step is None else list(range(0, frame_count, step))


def _cell(row: dict | None) -> str:
    return "–" if row is None else f"**{row['J&F']:.1f}** ({100 * row['J']:.1f} / {100 * row['F']:.1f})"


def _frame_list(frames: list[int]) -> str:
    return ", ".join(str(f) for f in frames)
