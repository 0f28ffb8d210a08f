"""How much a ``residual_rgb`` removal network improves on the flow fill, on held-out examples.

Every cached example (:mod:`core.train.prealign_data`) of the validation clips is filled by the
network (all its stored keyframes) on the window around its hole the renderer reads
(:mod:`core.render.network_window`; ``windowed=False``: the whole frame, as before stop 23), and
the hole is compared with the clean frame: PSNR from the squared error pooled over all hole
pixels, for the network and for its input (the flow fill's prealign), per clip and over all. This is what a training run is judged by
before its checkpoint replaces the shipped one.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from core.model.inputs import keyframe_channels, target_channels
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.render.network_window import network_window
from core.train.prealign_samples import ClipExamples, candidate_planes


def validate(model, clips: Sequence[ClipExamples], *, device: str | torch.device = "cpu",
             progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
             windowed: bool = True) -> dict:
    """``{"clips": {name: {"network": dB, "flow fill": dB, "examples": n}}, "network": dB,
    "flow fill": dB, "gain": dB}`` (hole PSNR; the mean of the clips' PSNRs)."""
    from core.model import autocast

    device = torch.device(device)
    was_training = model.training
    model.eval()
    model.to(memory_format=torch.channels_last)  # several times faster on a CPU
    per_clip: dict[str, dict] = {}
    total = sum(len(c) for c in clips)
    done = 0
    try:
        for clip in clips:
            errors = {"network": 0.0, "flow fill": 0.0}
            pixels = 0
            for i in range(len(clip)):
                cancel.raise_if_cancelled()
                truth, hole, prealigned, output = _filled(model, clip, i, device, autocast, windowed)
                inside = (hole & clip.weight(i))[..., None].repeat(3, axis=2)  # known truth only
                errors["network"] += float(((output - truth)[inside] ** 2).sum())
                errors["flow fill"] += float(((prealigned - truth)[inside] ** 2).sum())
                pixels += int(inside.sum())
                done += 1
                progress(done, total, f"validating on {clip.name}")
            per_clip[clip.name] = {k: _psnr(v / max(pixels, 1)) for k, v in errors.items()}
            per_clip[clip.name]["examples"] = len(clip)
    finally:
        model.train(was_training)
    network = float(np.mean([c["network"] for c in per_clip.values()]))
    flow = float(np.mean([c["flow fill"] for c in per_clip.values()]))
    return {"clips": per_clip, "network": network, "flow fill": flow, "gain": network - flow}


def validation_table(result: dict) -> str:
    lines = ["| clip | examples | flow fill (dB) | network (dB) | gain |", "|---|---:|---:|---:|---:|"]
    for name, row in result["clips"].items():
        lines.append(f"| {name} | {row['examples']} | {row['flow fill']:.2f} | {row['network']:.2f} "
                     f"| {row['network'] - row['flow fill']:+.2f} |")
    lines.append(f"| **mean** | | {result['flow fill']:.2f} | {result['network']:.2f} | "
                 f"{result['gain']:+.2f} |")
    return "\n".join(lines)


def _filled(model, clip: ClipExamples, i: int, device, autocast, windowed: bool = True):
    """``(truth, hole, prealigned, output)``: float32 0..255 images and the bool hole; the network
    runs on the hole's window (``windowed``) or the whole frame, the flow fill outside it."""
    a = clip.arrays
    t = int(a["target"][i])
    truth = clip.frames[t].astype(np.float32)
    hole = clip.hole(i)
    height, width = hole.shape
    keys = [int(k) for k in a["key_index"][i]]
    flows_full = [_full(a["flows"][i, j].astype(np.float32), (height, width)) for j in range(len(keys))]
    window = network_window(hole, flows_full) if windowed else None
    rows, columns = window if window is not None else (slice(0, height), slice(0, width))

    def image(x):
        return torch.from_numpy(np.array(x[rows, columns], np.float32)).to(device).permute(2, 0, 1)[None] / 255

    def plane(x):
        return torch.from_numpy(np.array(x[rows, columns], np.float32)).to(device)[None, None]

    with torch.inference_mode(), autocast(device, cpu_bfloat16=True):
        planes = None
        if model.config.candidate_inputs:
            found = a["candidates"][i][:, rows, columns]
            planes = candidate_planes(torch.from_numpy(found).permute(0, 3, 1, 2)[None],
                                      torch.from_numpy(a["candidate_counts"][i][rows, columns])[None, None]
                                      ).to(device)
        target = target_channels(image(clip.frames[t]), plane(hole), image(a["prealigned"][i]),
                                 plane(a["confidence"][i]) / 255, channels=model.config.in_channels,
                                 candidates=planes)
        keyframes = torch.stack([keyframe_channels(image(clip.frames[k]), plane(clip.key_hole(i, j)),
                                                   channels=model.config.in_channels)[0]
                                 for j, k in enumerate(keys)])[None]
        flows = torch.stack([torch.from_numpy(np.ascontiguousarray(f[rows, columns])).permute(2, 0, 1)
                             for f in flows_full])[None].to(device)
        consistency = torch.stack([torch.from_numpy(_full(a["consistency"][i, j], (height, width))[rows, columns]
                                                    .astype(np.float32) / 255)[None]
                                   for j in range(len(keys))])[None].to(device)
        out = model(target, keyframes, flows, consistency).float()
    prealigned = a["prealigned"][i].astype(np.float32)
    output = prealigned.copy()  # outside the window: the flow fill (the hole lies inside it)
    output[rows, columns] = (out[0].clamp(0, 1) * 255).round().permute(1, 2, 0).cpu().numpy()
    return truth, hole, prealigned, output


def _full(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A stored quarter-size map (flow in full-size pixels, or consistency) at the frame's size."""
    import cv2

    return cv2.resize(a, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)


def _psnr(mse: float) -> float:
    return 10 * math.log10(255**2 / mse) if mse > 0 else float("inf")
