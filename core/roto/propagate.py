"""Rotoscoping: an object's masks on every frame from the few keyframes the user painted.

Every frame between two keyframes gets the left keyframe's matte carried forward and the right
one's carried backward along the object's motion (:mod:`core.roto.carry`), each re-anchored frame
by frame on where the frame differs from its background (:mod:`core.roto.background_cue`), fused
pixel by pixel by temporal distance and carried confidence, pulled onto the object's outline by a
small network learned from this clip's keyframes and then from its own answers for the frames
being propagated (:mod:`core.roto.clip_refiner`), then (optionally) snapped to the frame's colour
edges and thresholded at 0.5; a piece of mask the refinement adds apart from the carried object
is cleared (:mod:`core.roto.mask_pieces`). Frames before the first / after the last keyframe use
the one keyframe they have. Keyframes themselves are returned exactly as painted. Each frame's
``confidence`` says how sure it is (:mod:`core.roto.certainty`).

Editing one keyframe only changes the frames up to its neighbouring keyframes
(:func:`frames_affected_by`); pass those as ``frames=`` to recompute only them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, MutableMapping

import numpy as np

from core.flow import FlowField
from core.progress import (
    NEVER_CANCELLED,
    CancelToken,
    ProgressFn,
    StagedProgress,
    concurrent_parts,
    no_progress,
)
from core.roto.background_cue import BackgroundCue, Keyframe
from core.roto.carry import CarriedMatte, Refiner, carry_from_keyframe
from core.roto.certainty import outline_margin, side_agreement
from core.roto.clip_refiner import (
    WARM_START_DIVISOR,
    adapt_clip_refiner,
    kept_clip_refiner,
    train_clip_refiner,
)
from core.roto.inputs import checked_frames, checked_keyframes
from core.roto.mask_pieces import object_missed_by, without_detached_pieces
from core.roto.matte_ops import matte_to_mask, matte_to_uint8, snap_matte_to_edges
from core.roto.options import RotoOptions
from core.roto.results import CompactResults, MatteView, RotoResult

FrameGetter = Callable[[int], np.ndarray]

CONFIDENCE_FLOOR = 0.05  # where neither side is confident, temporal distance alone decides
_HISTORY_FRAMES = 11  # carried mattes kept per side for re-anchoring (the farthest neighbour is 10 back)


def propagate_masks(
    frame_of: FrameGetter,
    frame_count: int,
    keyframes: Mapping[int, np.ndarray],
    *,
    options: RotoOptions = RotoOptions(),
    flow: FlowField | None = None,
    frames: Iterable[int] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Mapping[int, RotoResult]:
    """Masks of one object on ``frames`` (default: every frame) from its keyframe masks.

    frame_of(i): ``(H, W, 3)`` uint8 RGB frame ``i``; keyframes: ``{frame: (H, W) mask}``,
    uint8 0/255 (nonzero = object; an all-zero mask says the object is absent there).
    options: what the propagation does (:class:`~core.roto.options.RotoOptions`: re-anchoring,
        edge snapping, the clip refiner's steps, the rotoscoping network, compact results; the
        default is the classical propagation with the clip refiner, without the network).
    flow: a :class:`FlowField` of the clip to share its cached flows (one is made at
        ``options.working_width`` if None).
    Returns ``{frame: RotoResult}`` for each requested frame; keyframes come back bit-identical.
    Raises MaskError for no keyframes, a keyframe outside the clip or a mask of the wrong size;
    Cancelled (between frames) when ``cancel`` is set. A compact propagation returns a
    :class:`~core.roto.results.CompactResults` instead of a dict.
    """
    options = options.resolved()
    flow = flow if flow is not None else FlowField(frame_of, frame_count, working_width=options.working_width)
    keyframe_masks = checked_keyframes(keyframes, frame_count, flow.frame_size)
    wanted = checked_frames(frames, frame_count)
    results: MutableMapping[int, RotoResult] = CompactResults() if options.compact else {}
    for k in wanted:
        if k in keyframe_masks:
            results[k] = _keyframe_result(keyframe_masks[k])
    segments = _segments(sorted(keyframe_masks), [f for f in wanted if f not in keyframe_masks])
    total = sum(segment.carried_frame_count for segment in segments)
    steps = options.refine_steps if segments else 0
    # the quick pass of a re-propagation: the refiner kept for these keyframes, as it is
    refiner = kept_clip_refiner(frame_of, keyframe_masks) if steps and not options.refiner_learns else None
    steps = steps if options.refiner_learns else 0
    stages = _stages(progress, total, sum(len(s.frames) for s in segments), steps, refiner is not None)
    learn_progress, carry_progress = concurrent_parts(stages.stage("learn and carry"),
                                                      {"learn": steps * STEP_COST, "carry": total * CARRY_COST})
    refine_progress = stages.stage("refine")
    done = refined = 0

    def tick(frame: int) -> None:
        nonlocal done
        done += 1
        carry_progress(done, total, f"Propagating masks: frame {frame}")

    cue = BackgroundCue(frame_of, flow) if options.reanchor else None
    fused = (item for segment in segments
             for item in _propagate_segment(segment, keyframe_masks, flow, cue, tick, cancel))
    if steps:  # the refiner learns the keyframes, then every fused matte is kept (uint8)...
        # (learning in a thread beside the carrying was measured slower on a free 2-core machine:
        # 28-30 s against 23-25 s at 1080p, 24 frames, docs/benchmarks.md)
        refiner = train_clip_refiner(frame_of, keyframe_masks, flow, steps=steps, progress=learn_progress,
                                     cancel=cancel)
        kept: MutableMapping[int, RotoResult] = CompactResults() if options.compact else {}
        for frame, matte, confidence in fused:
            matte = matte_to_uint8(matte)
            kept[frame] = RotoResult(matte_to_mask(matte), matte, confidence)
        if refiner is not None:  # ...and the refiner adapted to them
            refiner = adapt_clip_refiner(refiner, frame_of, keyframe_masks, MatteView(kept), flow,
                                         progress=stages.stage("adapt"), cancel=cancel)
        fused = _drained(kept)
    sides = {frame: [k for k in (segment.left, segment.right) if k is not None]
             for segment in segments for frame in segment.frames}
    for frame, matte, confidence in fused:
        carried = _expand(matte)
        if refiner is not None:
            cancel.raise_if_cancelled()
            matte = refiner.refine(frame_of(frame), _expand(matte))
            refined += 1
            refine_progress(refined, len(sides), f"Refining outlines: frame {frame}")
        if options.matte_model is not None:
            matte = options.matte_model.refine(frame, matte, sides[frame], keyframe_masks, frame_of, flow)
        if options.edge_snap:
            matte = snap_matte_to_edges(frame_of(frame), matte)
        # the refiner and the learned correction move the outline; a piece they add apart from
        # the carried object is a leak onto the background
        matte = without_detached_pieces(_expand(matte), carried)
        matte_u8 = matte_to_uint8(matte)
        results[frame] = RotoResult(matte_to_mask(matte_u8), matte_u8, confidence * outline_margin(matte))
    stages.finish("Propagated masks")
    return results if options.compact else dict(sorted(results.items()))


# relative cost of a unit of each stage (measured on bmx-trees, 432x240, two busy CPU cores: a
# refiner training step ~1 s, a frame carried ~0.5 s, a frame refined ~0.3 s); only the pace of
# the progress bar depends on them
STEP_COST, CARRY_COST, REFINE_COST = 4, 2, 1


def _stages(progress: ProgressFn, carried: int, frames: int, steps: int, refines: bool = False) -> StagedProgress:
    """The propagation's stages in the order they run: the clip refiner learning the keyframes
    while the frames are carried (one stage), the refiner adapting to its own answers, the frames
    refined. Without training, the carried frames, then the frames refined when ``refines``."""
    if steps == 0 or frames == 0:
        return StagedProgress(progress, {"learn and carry": carried, "adapt": 0,
                                         "refine": frames * REFINE_COST if refines else 0})
    return StagedProgress(progress, {"learn and carry": steps * STEP_COST + carried * CARRY_COST,
                                     "adapt": max(1, steps // WARM_START_DIVISOR) * STEP_COST,
                                     "refine": frames * REFINE_COST})


def _drained(kept: MutableMapping[int, RotoResult]):
    """``(frame, matte, confidence)`` of each kept result, each let go as it is read."""
    for frame in list(kept):
        result = kept.pop(frame)
        yield frame, result.matte, result.confidence


def frames_affected_by(keyframe_index: int, keyframes: Iterable[int], frame_count: int) -> list[int]:
    """Frames whose propagated mask changes when keyframe ``keyframe_index`` is added, edited or removed.

    keyframes: the keyframe indices *after* the edit. Returns the frames strictly between the
    neighbouring keyframes of ``keyframe_index`` (or the clip's ends), without ``keyframe_index``
    itself when it is still a keyframe.
    """
    others = sorted(set(keyframes) - {keyframe_index})
    start = max((k for k in others if k < keyframe_index), default=-1) + 1
    stop = min((k for k in others if k > keyframe_index), default=frame_count)
    is_keyframe = keyframe_index in set(keyframes)
    return [f for f in range(start, stop) if not (is_keyframe and f == keyframe_index)]


@dataclass(frozen=True)
class _Segment:
    """Frames to propagate that share the same nearest keyframes (None = no keyframe that side)."""

    left: int | None
    right: int | None
    frames: tuple[int, ...]

    @property
    def carried_frame_count(self) -> int:
        forward = self.frames[-1] - self.left if self.left is not None else 0
        backward = self.right - self.frames[0] if self.right is not None else 0
        return forward + backward


def _segments(keyframes: list[int], frames: list[int]) -> list[_Segment]:
    """Group ``frames`` (sorted, none a keyframe) by their nearest keyframes; ``keyframes`` sorted."""
    by_neighbours: dict[tuple[int | None, int | None], list[int]] = {}
    for frame in frames:
        position = bisect.bisect_left(keyframes, frame)
        left = keyframes[position - 1] if position > 0 else None
        right = keyframes[position] if position < len(keyframes) else None
        by_neighbours.setdefault((left, right), []).append(frame)
    return [_Segment(left, right, tuple(fs)) for (left, right), fs in by_neighbours.items()]


def _propagate_segment(
    segment: _Segment,
    keyframe_masks: dict[int, np.ndarray],
    flow: FlowField,
    cue: BackgroundCue | None,
    tick: Callable[[int], None],
    cancel: CancelToken,
):
    """Yield ``(frame, matte float32 0..1, confidence)`` for the segment's frames."""
    wanted = set(segment.frames)
    from_left: dict[int, CarriedMatte] = {}
    if segment.left is not None:
        refine = _refiner(cue, segment.left, keyframe_masks[segment.left], 1)
        for carried in carry_from_keyframe(
            segment.left, keyframe_masks[segment.left], segment.frames[-1], flow, refine=refine, on_frame=tick,
            cancel=cancel,
        ):
            if carried.frame not in wanted:
                continue
            if segment.right is None:  # after the last keyframe: nothing to fuse with
                yield carried.frame, carried.matte, _object_confidence(carried.confidence, [carried.matte])
            else:
                from_left[carried.frame] = _compact(carried)
        if segment.right is None:
            return
    refine = _refiner(cue, segment.right, keyframe_masks[segment.right], -1)
    for carried in carry_from_keyframe(
        segment.right, keyframe_masks[segment.right], segment.frames[0], flow, refine=refine, on_frame=tick,
        cancel=cancel,
    ):
        if carried.frame not in wanted:
            continue
        left = from_left.pop(carried.frame, None)
        if left is None:
            yield carried.frame, carried.matte, _object_confidence(carried.confidence, [carried.matte])
        else:
            left = CarriedMatte(left.frame, _expand(left.matte), _expand(left.confidence))
            matte, confidence = fuse_two_sides(left, carried, segment.left, segment.right)
            sure = _object_confidence(confidence, [left.matte, carried.matte])
            yield carried.frame, matte, sure * side_agreement(left.matte, carried.matte)


def _refiner(cue: BackgroundCue | None, keyframe: int, keyframe_mask: np.ndarray, step: int) -> Refiner | None:
    """Re-anchoring for one side carried from ``keyframe`` in time direction ``step`` (±1)."""
    if cue is None:
        return None
    history = {keyframe: keyframe_mask.astype(np.float32) * np.float32(1 / 255)}
    painted = Keyframe.painted(keyframe, cue.frame_of(keyframe), keyframe_mask)

    def refine(carried: CarriedMatte) -> np.ndarray:
        frame = carried.frame
        history[frame] = carried.matte  # the homography fits of this frame leave the carried object out
        history[frame] = cue.reanchor(carried, history, -step, painted)
        history.pop(frame - step * _HISTORY_FRAMES, None)
        return history[frame]

    return refine


def fuse_two_sides(
    from_left: CarriedMatte, from_right: CarriedMatte, left_keyframe: int, right_keyframe: int
) -> tuple[np.ndarray, np.ndarray]:
    """Blend the mattes carried from the keyframes on both sides of a frame.

    Each side weighs ``(confidence + floor) * distance to the other keyframe`` (in frames), so the
    nearer keyframe dominates where both are trusted and the trusted side wins where only one is.
    Where one side carries its whole object (its largest piece) and the other carries nothing
    near it, that side's matte is kept (:func:`~core.roto.mask_pieces.object_missed_by`): the
    confidence is the flow's trust, not whether a side saw the object, and a keyframe showing
    the object half hidden carried a trusted "nothing here" over it; the average fell under 0.5
    and the object vanished between the keyframes (bmx-trees, keyframes 0 and 69: whole-clip J&F
    70.2 with frame 0 alone, 39.4 with both). An empty keyframe too says only that the object
    is gone by then (surf, keyframes 0 and 54, where the surfer has gone under: he faded out from
    frame 35 while in view until 53).
    Returns ``(matte, confidence)``, both ``(H, W)`` float32 0..1.
    """
    frame = from_left.frame
    left_weight = (from_left.confidence + CONFIDENCE_FLOOR) * np.float32(right_keyframe - frame)
    right_weight = (from_right.confidence + CONFIDENCE_FLOOR) * np.float32(frame - left_keyframe)
    total = left_weight + right_weight
    matte = (left_weight * from_left.matte + right_weight * from_right.matte) / total
    confidence = (left_weight * from_left.confidence + right_weight * from_right.confidence) / total
    for own, other in ((from_left, from_right), (from_right, from_left)):
        missed = object_missed_by(own.matte, other.matte)
        matte = np.where(missed, np.maximum(matte, own.matte), matte)
    return matte, confidence


def _object_confidence(confidence: np.ndarray, mattes: list[np.ndarray]) -> float:
    """Mean confidence over the pixels any side calls object (over the frame if none does)."""
    region = np.zeros(confidence.shape, bool)
    for matte in mattes:
        region |= _expand(matte) >= 0.5
    values = confidence[region] if region.any() else confidence
    return float(values.mean())


def _compact(carried: CarriedMatte) -> CarriedMatte:
    """Keep a carried frame as uint8 maps (a quarter of the memory) until it is fused."""
    return CarriedMatte(carried.frame, matte_to_uint8(carried.matte), matte_to_uint8(carried.confidence))


def _expand(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) * np.float32(1 / 255) if image.dtype == np.uint8 else image


def _keyframe_result(mask: np.ndarray) -> RotoResult:
    return RotoResult(mask.copy(), mask.copy(), 1.0, is_keyframe=True)
