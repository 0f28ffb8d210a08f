"""Removal quality with ground truth: video completion on clean clips, and guided inpainting.

The DEVIL / paper Table 3 protocol on our data (``/work/shared/data``, see its README): take a
clean clip — an excerpt of ``running_car.mp4`` (frames 110.., resized to 432x240) and the
``tennis`` frames (held out of training) — hide a region with a moving mask borrowed from
another clip (``bmx-trees`` masks, grown by ``MASK_DILATE`` pixels), paint the hidden region
grey in the frames the methods see, fill it, and compare with the clean pixels
(:mod:`core.eval.completion_metrics`). Every method reads the same flows.

- ``video``: the whole clip by ``network`` (every 20th frame from 14 keyframes, the rest along
  flow, :class:`core.render.NetworkClipRenderer`), ``network+prealign``, the classical ``flow fill``
  (:class:`core.fill.FlowFill`) and ``Telea`` on each frame alone.
- ``guided`` (the paper's guided image inpainting, Tab. 2 and 4): single target frames (every
  10th, away from the ends) filled from 2 keyframes (``±10``) or 4 (``±5, ±10``) by the network,
  network+prealign, and ``flow warp`` (the keyframes' pixels carried along reliable flow, Telea
  for the rest); ``Telea`` with no keyframe as the reference.

Without a loadable checkpoint the network rows say "no checkpoint" and carry no scores.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import VideoError
from core.eval.completion_metrics import CompletionScore
from core.eval.eval_clips import (
    EVAL_SIZE,
    MASK_DILATE,
    borrowed_masks,
    davis,
    own_masks,
    running_car,
    tennis,
)
from core.eval.finetune_row import FINETUNE_METHOD, finetuned_model
from core.flow.scene_locked import scene_locked_masks
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.validation_split import VALIDATION_SEQUENCES

DEFAULT_FRAMES = 60
GUIDED_OFFSETS = {2: (10,), 4: (5, 10)}  # keyframe count -> offsets on each side
GUIDED_STEP = 10
HIDDEN_GREY = 128
NETWORK_METHODS = ("network", "network+prealign")
VALIDATION_CLIPS = tuple(sorted(VALIDATION_SEQUENCES))
"""The validation split of ``davis2016/`` (its README; never trained on). ``tennis`` is read from
``tennis/``, the same sequence in another encoding."""
DEFAULT_CLIPS = VALIDATION_CLIPS + ("running_car",)
HOLE_WORDS = {"moving": "moving masks",
              "locked": "middle mask fixed to the scene (so no frame shows what it hides)"}
HOLES = tuple(HOLE_WORDS)
"""The eval's holes: other sequences' moving objects, or one of them fixed to the scene."""
BORROWED_MASKS = {
    "tennis": "bmx-trees", "running_car": "bmx-trees", "dance-jump": "hockey", "hike": "dog-agility",
    "lucia": "horsejump-low", "mallard-water": "stroller", "scooter-gray": "motorbike",
}
"""Whose moving object masks hide each evaluation clip (training sequences of davis2016, or
bmx-trees); the masks play forwards and backwards when the clip is longer."""


@dataclass
class CompletionCase:
    """A clean clip and the masks hiding part of it: ``truth`` ``(H, W, 3)`` uint8 RGB frames,
    ``masks`` ``(H, W)`` uint8 0/255 (already grown)."""

    name: str
    truth: list[np.ndarray]
    masks: list[np.ndarray]

    def hidden_frames(self) -> list[np.ndarray]:
        """The frames the methods see: the hidden region painted grey (no ground truth leaks)."""
        hidden = []
        for frame, mask in zip(self.truth, self.masks):
            frame = frame.copy()
            frame[mask > 0] = HIDDEN_GREY
            hidden.append(frame)
        return hidden

    def project(self):
        """A one-object project over the case with its masks on every frame."""
        from core.project.from_clip import project_over_masks

        return project_over_masks(f"{self.name}.eval", self.masks)


def completion_cases(data_root: Path, *, frames: int = DEFAULT_FRAMES,
                     clips: tuple[str, ...] = DEFAULT_CLIPS, holes: str = "moving") -> list[CompletionCase]:
    """The evaluation clips of ``data_root`` (``frames`` frames each at ``EVAL_SIZE``): ``running_car``,
    ``tennis`` or any DAVIS sequence under ``davis2016/``, each hidden by the moving masks of the
    sequence :data:`BORROWED_MASKS` names (bmx-trees by default); ``holes="locked"``: by that
    sequence's middle mask alone, fixed to the scene, so no frame shows what it hides
    (:mod:`core.flow.scene_locked`)."""
    if holes not in HOLES:
        raise ValueError(f"holes must be one of {HOLES}, not {holes!r}")
    data_root = Path(data_root)
    readers = {"running_car": running_car, "tennis": tennis}
    cases = []
    for name in clips:
        folder = data_root / "davis2016" / name
        if name in readers:
            truth = readers[name](data_root, frames)
        elif (folder / "frames").is_dir():
            truth = davis(folder, frames)
        else:
            raise VideoError(f"No evaluation clip {name!r} in {data_root}; use running_car, tennis or "
                             "a sequence of davis2016/.")
        donor = BORROWED_MASKS.get(name, "bmx-trees")
        donor_folder = data_root / "bmx-trees" if donor == "bmx-trees" else data_root / "davis2016" / donor
        masks = borrowed_masks(donor_folder / "masks", len(truth))
        if holes == "locked":
            own = own_masks(folder if name != "tennis" else data_root / "tennis", len(truth))
            masks = scene_locked_masks(truth, masks[len(truth) // 2], own)
        cases.append(CompletionCase(name, truth, masks))
    return cases


def evaluate_removal(
    data_root: Path,
    *,
    frames: int = DEFAULT_FRAMES,
    clips: tuple[str, ...] = DEFAULT_CLIPS,
    model_path=None,
    device: str = "auto",
    guided: bool = True,
    finetune: bool = False,
    holes: str = "moving",
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> list[dict]:
    """Score every method on every case; see the module docstring.

    Returns one row per (task, clip, method, keyframes): ``{"task": "video" | "guided", "clip",
    "method", "keyframes" (per target: int, or "14 + flow" for the network's video setting),
    "frames" (scored), "psnr_hole", "ssim_hole", "psnr_frame", "ssim_frame", "flicker",
    "change_fill", "change_truth" (see :mod:`core.eval.completion_metrics`; NaN where not
    measured), "seconds", "note" ("no checkpoint" for network rows without one), "checkpoint",
    "network_runs" (video network rows: anchors + fallbacks rendered by the network, else None)}``.
    Progress counts methods run.
    """
    from core.render.model_finder import find_removal_model

    model = find_removal_model(model_path, device=device, notice=lambda message: None)
    cases = completion_cases(Path(data_root), frames=frames, clips=clips, holes=holes)
    return evaluate_cases(cases, model, guided=guided, finetune=finetune, progress=progress, cancel=cancel)


def evaluate_cases(cases: list[CompletionCase], model, *, guided: bool = True, finetune: bool = False,
                   progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> list[dict]:
    """:func:`evaluate_removal` on given cases with a loaded ``model`` (a
    :class:`core.render.RemovalModel` or a bare network; ``None``: network rows say so)."""
    per_case = 4 + (len(GUIDED_OFFSETS) * 3 + 1 if guided else 0)  # an upper bound
    total, rows = per_case * len(cases), []
    for case in cases:
        runner = _CaseRunner(case, model)
        for task, method, keyframes, run in runner.runs(guided, finetune):
            cancel.raise_if_cancelled()
            progress(len(rows), total, f"{case.name}: {method} ({task})")
            rows.append(run())
    progress(total, total, "Removal evaluated")
    return rows


def removal_table_markdown(rows: list[dict], holes: str = "moving") -> str:
    """Markdown tables of :func:`evaluate_removal`'s rows (made with ``holes``): video completion,
    then guided inpainting; network rows without a checkpoint say so."""
    video = [r for r in rows if r["task"] == "video"]
    guided = [r for r in rows if r["task"] == "guided"]
    lines: list[str] = []
    checkpoints = sorted({r["checkpoint"] for r in rows if r["checkpoint"]})
    lines.append(f"Network checkpoint: {', '.join(f'`{c}`' for c in checkpoints) or 'none found'}.\n")
    if video:
        frames = max(r["frames"] for r in video)
        lines += [
            f"Video completion (up to {frames} frames per clip, {EVAL_SIZE[0]}x{EVAL_SIZE[1]}, each hidden by another "
            f"sequence's {HOLE_WORDS[holes]} grown {MASK_DILATE} px: {_donors(video)}). PSNR in dB, SSIM 0..1 (higher is better); flicker = mean "
            "|Δfill − Δtruth| between consecutive frames inside the holes, 8-bit levels (lower is better).\n",
            "| clip | method | PSNR hole | SSIM hole | PSNR frame | SSIM frame | flicker | Δ fill / Δ truth "
            "| network runs | seconds |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += _table_rows(video, ("clip", "method"), 8, lambda r: [
            f"{r['psnr_hole']:.2f}", f"{r['ssim_hole']:.3f}", f"{r['psnr_frame']:.2f}", f"{r['ssim_frame']:.3f}",
            f"{r['flicker']:.2f}", f"{r['change_fill']:.1f} / {r['change_truth']:.1f}",
            "–" if r["network_runs"] is None else str(r["network_runs"]), f"{r['seconds']:.0f}"])
        lines += _summary(video)
    if guided:
        lines += [
            "",
            f"Guided inpainting (one frame from 2 keyframes at ±10 or 4 at ±5, ±10; targets every {GUIDED_STEP}th "
            "frame away from the ends).\n",
            "| clip | method | keyframes | PSNR hole | SSIM hole | PSNR frame | SSIM frame | seconds |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += _table_rows(guided, ("clip", "method", "keyframes"), 5, lambda r: [
            f"{r['psnr_hole']:.2f}", f"{r['ssim_hole']:.3f}", f"{r['psnr_frame']:.2f}", f"{r['ssim_frame']:.3f}",
            f"{r['seconds']:.1f}"])
    return "\n".join(lines) + "\n"


def _table_rows(rows: list[dict], named: tuple[str, ...], width: int, cells) -> list[str]:
    """Markdown table rows: the columns ``named`` (keys of each row), then the ``width`` strings of
    ``cells(row)``, or for a row with a note, the note and the other cells empty."""
    lines = []
    for r in rows:
        first = " | ".join(str(r[key]) for key in named)
        if r["note"]:
            lines.append(f"| {first} | {r['note']} |" + " |" * (width - 1))
        else:
            lines.append(f"| {first} | " + " | ".join(cells(r)) + " |")
    return lines


def _donors(rows: list[dict]) -> str:
    clips = list(dict.fromkeys(r["clip"] for r in rows))
    return ", ".join(f"{c} ← {BORROWED_MASKS.get(c, 'bmx-trees')}" for c in clips)


def _summary(video: list[dict]) -> list[str]:
    """Mean hole PSNR per method over the validation clips, and the network's gain on each."""
    scored = [r for r in video if not r["note"]]
    val = [r for r in scored if r["clip"] in VALIDATION_CLIPS]
    methods = list(dict.fromkeys(r["method"] for r in val))
    if not val:
        return []
    lines = ["", "Mean over the validation clips (hole PSNR, dB; flicker):\n",
             "| method | clips | mean PSNR hole | mean flicker | network − flow fill: min / mean |",
             "|---|---:|---:|---:|---|"]
    flow = {r["clip"]: r["psnr_hole"] for r in val if r["method"] == "flow fill"}
    for method in methods:
        rows = [r for r in val if r["method"] == method]
        gains = [r["psnr_hole"] - flow[r["clip"]] for r in rows if r["clip"] in flow]
        gain = f"{min(gains):+.2f} / {np.mean(gains):+.2f}" if gains and method != "flow fill" else "–"
        lines.append(f"| {method} | {len(rows)} | {np.mean([r['psnr_hole'] for r in rows]):.2f} "
                     f"| {np.mean([r['flicker'] for r in rows]):.2f} | {gain} |")
    return lines


class _CaseRunner:
    """The methods on one case, sharing its inputs (flows, holes, keyframe encodings)."""

    def __init__(self, case: CompletionCase, model) -> None:
        from core.render.removal_inputs import RemovalInputs

        self.case, self.model = case, model
        self.hidden = case.hidden_frames()
        self.project = case.project()
        self.inputs = RemovalInputs(self.project, self.hidden.__getitem__)
        self.network = None
        if model is not None:
            from core.render.network_renderer import NetworkRenderer

            self.network = NetworkRenderer(self.project, self.hidden.__getitem__, model, inputs=self.inputs)
        count = len(case.truth)
        self.targets = list(range(GUIDED_STEP, count - GUIDED_STEP, GUIDED_STEP))
        # a model that corrects the flow fill always reads it: its "+prealign" row would repeat
        residual = model is not None and _config(model).output == "residual_rgb"
        self.network_methods = NETWORK_METHODS[:1] if residual else NETWORK_METHODS

    def runs(self, guided: bool, finetune: bool = False):
        """``(task, method, keyframes, run)`` for every row, cheapest first (the flow fill pays for
        the shared flows); ``finetune``: also the network tuned on the clip (a model that corrects
        the flow fill only)."""
        yield "video", "flow fill", "all", lambda: self._video("flow fill", "all", self._flow_fill)
        yield "video", "Telea", 0, lambda: self._video("Telea", 0, self._telea)
        for method in self.network_methods:
            yield "video", method, "14 + flow", \
                lambda m=method: self._video(m, "14 + flow", lambda: self._network_clip(m))
        if finetune and self.network_methods == NETWORK_METHODS[:1] and self.model is not None:
            yield "video", FINETUNE_METHOD, "14 + flow", \
                lambda: self._video(FINETUNE_METHOD, "14 + flow", self._finetuned_clip)
        if not guided:
            return
        yield "guided", "Telea", 0, lambda: self._guided("Telea", 0, self._guided_telea)
        for count, offsets in GUIDED_OFFSETS.items():
            for method in ("flow warp",) + self.network_methods:
                yield "guided", method, count, \
                    lambda m=method, c=count, o=offsets: self._guided(m, c, lambda t: self._guided_fill(m, t, o))

    # -- video completion ----------------------------------------------------------------------

    def _video(self, method: str, keyframes, fill_clip) -> dict:
        if method in NETWORK_METHODS and self.network is None:
            return self._row("video", method, keyframes, None, 0.0)
        started = time.perf_counter()
        score = CompletionScore()
        self.clip_render = None
        for i, filled in enumerate(fill_clip()):
            score.add(filled, self.case.truth[i], self.case.masks[i] > 0)
        row = self._row("video", method, keyframes, score, time.perf_counter() - started)
        if self.clip_render is not None:
            row["network_runs"] = self.clip_render.network_frames + self.clip_render.fallback_frames
        return row

    def _flow_fill(self):
        from core.fill import FlowFill

        inputs = self.inputs
        return FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow,
                        texture=self.project.settings.fill_texture).fill_clip()

    def _telea(self):
        from core.fill import telea_fill

        return (telea_fill(frame, mask, dilate=self.inputs.dilate) for frame, mask in zip(self.hidden, self.case.masks))

    def _network_clip(self, method: str):
        from core.render.network_clip_renderer import NetworkClipRenderer

        self.network.prealign = method == "network+prealign"
        self.clip_render = NetworkClipRenderer(self.network)
        return self.clip_render.frames()

    def _finetuned_clip(self):
        from core.render.network_clip_renderer import NetworkClipRenderer
        from core.render.network_renderer import NetworkRenderer

        with tempfile.TemporaryDirectory(prefix="keyfill-eval-") as folder:
            tuned = finetuned_model(self.project, self.hidden.__getitem__, self.model, Path(folder))
        renderer = NetworkRenderer(self.project, self.hidden.__getitem__, tuned, inputs=self.inputs)
        self.clip_render = NetworkClipRenderer(renderer)
        return self.clip_render.frames()

    # -- guided inpainting ---------------------------------------------------------------------

    def _guided(self, method: str, keyframes: int, fill_frame) -> dict:
        if method in NETWORK_METHODS and self.network is None:
            return self._row("guided", method, keyframes, None, 0.0)
        started = time.perf_counter()
        score = CompletionScore()
        for t in self.targets:
            score.add(fill_frame(t), self.case.truth[t], self.case.masks[t] > 0, consecutive=False)
        return self._row("guided", method, keyframes, score, time.perf_counter() - started)

    def _guided_telea(self, t: int) -> np.ndarray:
        from core.fill import telea_fill

        return telea_fill(self.hidden[t], self.case.masks[t], dilate=self.inputs.dilate)

    def _guided_fill(self, method: str, t: int, offsets: tuple[int, ...]) -> np.ndarray:
        keyframes = [t + side * o for o in offsets for side in (-1, 1)]
        if method == "flow warp":
            return self._flow_warp(t, keyframes)
        return self.network.render_frame(t, keyframes=keyframes, prealign=method == "network+prealign")

    def _flow_warp(self, t: int, keyframes: list[int]) -> np.ndarray:
        """The classical guided fill: keyframe pixels along reliable flow, Telea for the rest."""
        from core.fill.telea import inpaint_hole
        from core.render.composite import feathered_composite, upsample
        from core.render.prealign import AlignedSource, prealign
        from core.render.segment_propagation import CHAIN_CONSISTENCY

        inputs = self.inputs
        sources = [AlignedSource(inputs.working_frame(k), inputs.working_hole(k), *inputs.flow_and_consistency(t, k))
                   for k in keyframes]
        rgb, left = prealign(inputs.working_frame(t), inputs.working_hole(t), sources, threshold=CHAIN_CONSISTENCY)
        filled = upsample(inpaint_hole(rgb, left), inputs.frame_size)
        return feathered_composite(inputs.frame(t), filled, inputs.alpha(t))

    # -- rows ----------------------------------------------------------------------------------

    def _row(self, task: str, method: str, keyframes, score: CompletionScore | None, seconds: float) -> dict:
        values = score.summary() if score is not None else dict.fromkeys(
            ("psnr_hole", "ssim_hole", "psnr_frame", "ssim_frame", "flicker", "change_fill", "change_truth"),
            float("nan"))
        is_network = method in NETWORK_METHODS or method == FINETUNE_METHOD
        return {
            "task": task, "clip": self.case.name, "method": method, "keyframes": keyframes,
            "frames": score.frames if score is not None else 0, **values, "seconds": seconds,
            "note": "no checkpoint" if is_network and self.model is None else "",
            "checkpoint": str(getattr(self.model, "path", None) or "") if is_network and self.model is not None else "",
            "network_runs": None,
        }


def _config(model):
    net = getattr(model, "model", model)
    return net.config
