"""Training examples for the removal network on top of the flow fill ("+prealign", issue 13).

The costly part of an example is the classical fill of its target, so examples are made once,
kept on disk (``.npz`` per clip in a cache folder outside the repository) and read by every
training run. One example, all at the clip's size (432x240 for DAVIS):

1. a clean clip (a DAVIS *training* sequence, or any footage) and a **moving hole** over all of
   its frames: another clip's object masks, frame by frame, moved, scaled, mirrored and grown by
   ``HOLE_GROW`` pixels (the eval's protocol: ``core.eval.removal_eval``);
2. what the renderer would see: the frames with the hole painted over, either grey or with the
   other clip's object itself pasted in (so flow sees a real moving object);
3. the **prealign**: the renderer's own inputs (:class:`core.render.removal_inputs.RemovalInputs`)
   and flow fill (:meth:`core.fill.FlowFill.prealign_frame`) on those frames: the fill, its
   confidence and every candidate colour it took the median of (format 3), for a few target
   frames;
4. ``KEYFRAMES`` keyframes of each target at the renderer's offsets, with the completed flows
   target -> keyframe and their consistency, exactly as the renderer computes them, kept at a
   quarter of the size (the network reads flows at stride 8).

``ExampleSettings.locked`` adds holes of another kind: one object's silhouette fixed to the
*scene* (:func:`core.flow.scene_locked.scene_locked_masks`), carried with the camera, so that no
frame shows what it hides and the flow fill has nothing right to carry there (a singer before a
wall the camera never reveals); the network has to learn to invent that background too.

Truth frames are not stored: the clip's frames are read again when the examples are loaded.
Examples of clip ``c`` and seed ``s`` are a pure function of ``(c, s)``.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from core.flow.scene_locked import scene_locked_masks
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.resize import resized

HOLE_GROW = 4          # pixels the borrowed masks are grown by (as in the eval)
KEYFRAMES = 3          # keyframes stored per target
FLOW_SCALE = 4         # flows and consistency are stored at 1/FLOW_SCALE of the frame size
OFFSETS = (5, 10, 15, 20, 40)
MIN_AREA, MAX_AREA = 0.02, 0.30  # share of the frame a hole covers on average
FORMAT = 3             # bump when the examples change meaning (old caches are then rebuilt)


@dataclass(frozen=True)
class ExampleSettings:
    tracks: int = 6             # moving holes per clip
    targets: int = 5            # target frames per hole
    seed: int = 0
    locked: int = 0             # more holes per clip, fixed to the scene: no frame shows behind them
    shifted: int = 0            # more holes: the clip's own object track shifted in time (``unknown`` only)


def cache_key(clip_name: str, frame_count: int, settings: ExampleSettings) -> str:
    text = f"{FORMAT}:{clip_name}:{frame_count}:{settings.tracks}:{settings.targets}:{settings.seed}"
    if settings.locked:  # the caches made before locked holes keep their names
        text += f":locked{settings.locked}"
    if settings.shifted:
        text += f":shifted{settings.shifted}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def make_clip_examples(name: str, frames: Sequence[np.ndarray], donors: Sequence[tuple[list, list]],
                       settings: ExampleSettings = ExampleSettings(), *,
                       unknown: Sequence[np.ndarray] | None = None,
                       cancel: CancelToken = NEVER_CANCELLED) -> dict[str, np.ndarray]:
    """The examples of one clip as arrays (see ``save``/``load``): ``frames`` ``(H, W, 3)`` uint8
    RGB; ``donors``: ``(frames, masks)`` of other clips whose objects become the holes.

    ``unknown``: per frame, ``(H, W)`` bool pixels whose truth is not known (a user's clip: the
    object to remove, grown). They are part of every hole, so no fill ever reads them, and the
    examples' ``weight`` leaves them out of every loss and score."""
    rng = np.random.default_rng([settings.seed, zlib.crc32(name.encode())])
    height, width = frames[0].shape[:2]
    out: dict[str, list] = {k: [] for k in (
        "target", "prealigned", "confidence", "hole", "key_index", "key_hole", "flows",
        "consistency", "weight", "candidates", "candidate_counts")}
    for _ in range(settings.tracks):
        cancel.raise_if_cancelled()
        donor_frames, donor_masks = donors[int(rng.integers(len(donors)))]
        holes, painted = moving_hole(rng, len(frames), (height, width), donor_frames, donor_masks)
        visible = [_painted(f, h, p) for f, h, p in zip(frames, holes, painted)]
        if unknown is not None:  # the object stays where it is, and is always hidden
            holes = [np.where(u, 255, h).astype(np.uint8) for h, u in zip(holes, unknown)]
        _examples_of_track(rng, visible, holes, settings.targets, out, unknown)
    for _ in range(settings.locked):
        cancel.raise_if_cancelled()
        donor_frames, donor_masks = donors[int(rng.integers(len(donors)))]
        shapes, _ = moving_hole(rng, len(frames), (height, width), donor_frames, donor_masks)
        holes = scene_locked_masks(frames, shapes[len(frames) // 2], unknown)
        visible = [_painted(f, h, None) for f, h in zip(frames, holes)]
        if unknown is not None:
            holes = [np.where(u, 255, h).astype(np.uint8) for h, u in zip(holes, unknown)]
        _examples_of_track(rng, visible, holes, settings.targets, out, unknown)
    for _ in range(settings.shifted if unknown is not None else 0):
        cancel.raise_if_cancelled()
        others, painted = shifted_hole(rng, frames, unknown)
        visible = [_painted(f, h, p) for f, h, p in zip(frames, others, painted)]
        holes = [np.where(u, 255, h).astype(np.uint8) for h, u in zip(others, unknown)]
        _examples_of_track(rng, visible, holes, settings.targets, out, unknown)
    return {k: np.stack(v) for k, v in out.items()}


SHIFTS = (3, 5, 8, 12, 16)  # frames the object's own track is moved in time by (either way)


def shifted_hole(rng: np.random.Generator, frames: Sequence[np.ndarray], unknown: Sequence[np.ndarray]
                 ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Holes where the clip's own object is ``k`` frames later (or earlier); the caller joins them
    to where it is now (``unknown``, always hidden). The background the object is about to cover
    (or has just left) is hidden in each frame: what the user's removal has to fill, at the places
    and with the motion it has to fill them, on pixels whose truth the clip shows. Painted grey or
    with the object itself from that other frame (so flow sees a second object moving like it)."""
    count = len(frames)
    shift = int(rng.choice(SHIFTS)) * (1 if rng.random() < 0.5 else -1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * HOLE_GROW + 1,) * 2)
    grey = rng.random() < 0.5
    holes, painted = [], []
    for t in range(count):
        s = min(max(t + shift, 0), count - 1)
        holes.append(cv2.dilate(unknown[s].astype(np.uint8) * 255, disc))
        painted.append(None if grey else frames[s])
    return holes, painted


def moving_hole(rng: np.random.Generator, count: int, size: tuple[int, int], donor_frames: list,
                donor_masks: list) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """``count`` holes ``(H, W)`` uint8 0/255 that move like the donor's object, and what paints
    them (the donor's pixels moved the same way, or ``None`` for flat grey)."""
    height, width = size
    for _ in range(20):
        start = int(rng.integers(len(donor_masks)))
        scale = float(rng.uniform(0.55, 1.25))
        flip = bool(rng.random() < 0.5)
        first = _as_mask(donor_masks[start], size)
        ys, xs = np.nonzero(first)
        if len(xs) == 0:
            continue
        centre = np.array([xs.mean(), ys.mean()])
        goal = np.array([rng.uniform(0.15, 0.85) * width, rng.uniform(0.2, 0.8) * height])
        matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), 0.0, scale)
        if flip:
            matrix = np.array([[-1, 0, 2 * centre[0]], [0, 1, 0]]) @ np.vstack([matrix, [0, 0, 1]])
        matrix[:, 2] += goal - centre
        order = _ping_pong(start, count, len(donor_masks))
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * HOLE_GROW + 1,) * 2)
        holes = [cv2.dilate(cv2.warpAffine(_as_mask(donor_masks[i], size), matrix, (width, height),
                                           flags=cv2.INTER_NEAREST), disc) for i in order]
        area = float(np.mean([h.mean() / 255 for h in holes]))
        if MIN_AREA <= area <= MAX_AREA:
            grey = rng.random() < 0.5
            painted = [None if grey else cv2.warpAffine(resized(donor_frames[i], size[::-1]), matrix,
                                                        (width, height), flags=cv2.INTER_LINEAR,
                                                        borderMode=cv2.BORDER_REFLECT)
                       for i in order]
            return holes, painted
    box = np.zeros(size, np.uint8)
    box[height // 3: 2 * height // 3, width // 3: width // 2] = 255
    return [box] * count, [None] * count


def _examples_of_track(rng, visible: list[np.ndarray], holes: list[np.ndarray], targets: int,
                       out: dict[str, list], unknown: Sequence[np.ndarray] | None = None) -> None:
    from core.fill import FlowFill
    from core.project.from_clip import project_over_masks
    from core.render.removal_inputs import RemovalInputs

    count = len(visible)
    height, width = visible[0].shape[:2]
    project = project_over_masks("training.clip", holes)
    inputs = RemovalInputs(project, visible.__getitem__)
    fill = FlowFill(inputs.frame, inputs.mask, count, flow=inputs.flow)
    small = (width // FLOW_SCALE, height // FLOW_SCALE)
    chosen = sorted(rng.choice(count, size=min(targets, count), replace=False).tolist())
    for t in chosen:
        pre = fill.prealign_frame(t, candidates=True)
        keys = _keyframes(rng, t, count)
        flows, consistency = [], []
        for k in keys:
            flow, cons = inputs.flow_and_consistency(t, k)  # working grid == frame here
            flows.append(cv2.resize(flow, small, interpolation=cv2.INTER_AREA).astype(np.float16))
            consistency.append(cv2.resize(cons, small, interpolation=cv2.INTER_AREA))
        out["target"].append(t)
        out["prealigned"].append(pre.rgb)
        out["confidence"].append(np.round(pre.confidence * 255).astype(np.uint8))
        out["hole"].append(np.packbits(pre.hole))
        out["key_index"].append(np.array(keys, np.int16))
        out["key_hole"].append(np.stack([np.packbits(inputs.hole(k)) for k in keys]))
        out["flows"].append(np.stack(flows))
        out["consistency"].append(np.round(np.stack(consistency) * 255).astype(np.uint8))
        known = np.ones((height, width), bool) if unknown is None else ~unknown[t]
        out["weight"].append(np.packbits(known))
        kept = np.zeros((pre.candidates.shape[1], height, width, 3), np.uint8)  # 0 where none
        counts = np.zeros((height, width), np.uint8)
        ys, xs = pre.points
        kept[:, ys, xs] = pre.candidates.transpose(1, 0, 2)
        counts[ys, xs] = pre.counts
        out["candidates"].append(kept)
        out["candidate_counts"].append(counts)


def _keyframes(rng, t: int, count: int) -> list[int]:
    options = [t + side * o for o in OFFSETS for side in (-1, 1) if 0 <= t + side * o < count]
    if not options:
        options = [i for i in range(count) if i != t] or [t]
    picks = rng.choice(len(options), size=KEYFRAMES, replace=len(options) < KEYFRAMES)
    return [options[int(i)] for i in picks]


def _painted(frame: np.ndarray, hole: np.ndarray, paint: np.ndarray | None) -> np.ndarray:
    """``frame`` with ``hole`` painted over (grey, or ``paint``'s pixels)."""
    frame = frame.copy()
    inside = hole > 0
    frame[inside] = 128 if paint is None else paint[inside]
    return frame


def _ping_pong(start: int, count: int, length: int) -> list[int]:
    period = max(1, 2 * length - 2)
    order = []
    for i in range(count):
        p = (start + i) % period
        order.append(p if p < length else period - p)
    return order


def _as_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    mask = (mask > 127).astype(np.uint8) * 255
    if mask.shape != size:
        mask = cv2.resize(mask, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    return mask


# --- the cache on disk --------------------------------------------------------------------------

def default_cache_folder() -> Path:
    """``$KEYFILL_CACHE/prealign`` or ``~/.cache/keyfill/prealign``: outside the repository."""
    root = os.environ.get("KEYFILL_CACHE") or Path.home() / ".cache" / "keyfill"
    return Path(root) / "prealign"


def build_examples(clips: Sequence, donors: Sequence, cache: Path,
                   settings: ExampleSettings = ExampleSettings(), *, workers: int = 1,
                   progress: ProgressFn = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED) -> list[Path]:
    """Examples of every clip (``FootageClip``s), made where the cache lacks them; returns the
    ``.npz`` paths in clip order. ``donors``: ``FootageClip``s with object masks (``masks``)."""
    from core.atomic_write import atomic_path

    cache.mkdir(parents=True, exist_ok=True)
    donor_pairs = [(d.frames, d.masks) for d in donors]
    paths, todo = [], []
    for clip in clips:
        height, width = clip.size
        path = cache / f"{width}x{height}" / f"{clip.name}-{cache_key(clip.name, len(clip.frames), settings)}.npz"
        paths.append(path)
        if not path.exists():
            todo.append((clip, path))
    done = len(paths) - len(todo)
    progress(done, len(paths), "examples cached" if not todo else f"making examples of {len(todo)} clips")

    def write(clip, path):
        own = [p for p, d in zip(donor_pairs, donors) if d.name != clip.name] or donor_pairs
        arrays = make_clip_examples(clip.name, clip.frames, own, settings, cancel=cancel)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

    if workers > 1 and len(todo) > 1:
        from concurrent.futures import ThreadPoolExecutor  # OpenCV and NumPy release the GIL

        with ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(write, c, p) for c, p in todo]:
                future.result()
                done += 1
                progress(done, len(paths), "making examples")
    else:
        for clip, path in todo:
            write(clip, path)
            done += 1
            progress(done, len(paths), f"made examples of {clip.name}")
    return paths


def load_examples(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}
