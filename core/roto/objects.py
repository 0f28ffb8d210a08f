"""Rotoscoping several objects of one clip: each propagated on its own, then overlaps resolved.

A pixel belongs to at most one object's propagated mask: the object whose matte is highest there,
except that a user-painted keyframe mask always keeps its pixels. Keyframes are never changed (two
objects painted over each other on the same keyframe stay as painted).
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, MutableMapping

import numpy as np

from core.flow import FlowField
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.roto.matte_ops import matte_to_mask
from core.roto.options import RotoOptions
from core.roto.propagate import propagate_masks
from core.roto.results import RotoResult


def propagate_objects(
    frame_of: Callable[[int], np.ndarray],
    frame_count: int,
    keyframes_by_object: Mapping[int, Mapping[int, np.ndarray]],
    *,
    options: RotoOptions = RotoOptions(),
    flow: FlowField | None = None,
    frames: Iterable[int] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> dict[int, MutableMapping[int, RotoResult]]:
    """``{object_id: {frame: RotoResult}}`` for every object, with no two masks overlapping.

    keyframes_by_object: ``{object_id: {frame: (H, W) uint8 0/255 mask}}``; every object needs at
    least one keyframe (MaskError otherwise, as in :func:`propagate_masks`). The objects share one
    flow cache, so flows are computed once for all of them. Progress runs over all objects.
    options: as in :func:`propagate_masks`, for every object (each gets a clip refiner trained on
    its own keyframes; ``compact``: each object's results in a
    :class:`~core.roto.results.CompactResults`); "auto" values are resolved once for all objects.
    """
    options = options.resolved()
    flow = flow if flow is not None else FlowField(frame_of, frame_count, working_width=options.working_width)
    frames = None if frames is None else sorted(set(frames))
    object_ids = list(keyframes_by_object)
    per_object: dict[int, MutableMapping[int, RotoResult]] = {}
    for position, object_id in enumerate(object_ids):

        def object_progress(done: int, total: int, message: str, position=position) -> None:
            # each object counts as frame_count units, whatever its own number of frames to carry
            progress(position * frame_count + done * frame_count // max(total, 1), len(object_ids) * frame_count, message)

        per_object[object_id] = propagate_masks(
            frame_of,
            frame_count,
            keyframes_by_object[object_id],
            options=options,
            flow=flow,
            frames=frames,
            progress=object_progress,
            cancel=cancel,
        )
    all_frames = sorted({f for results in per_object.values() for f in results}) if len(per_object) > 1 else []
    for frame in all_frames:
        on_frame = {i: results[frame] for i, results in per_object.items() if frame in results}
        for object_id, result in resolve_overlaps(on_frame).items():
            per_object[object_id][frame] = result
    return per_object


def resolve_overlaps(results: Mapping[int, RotoResult]) -> dict[int, RotoResult]:
    """The objects' results on one frame with each pixel in at most one propagated mask.

    Owner of a pixel: an object whose keyframe mask covers it, else the object with the highest
    matte (ties: the first object). A propagated mask keeps only the pixels it owns; its matte is
    capped at ``255 - owner's matte`` where another object owns the pixel, so it stays below 128
    there and two mattes never add up to more than 255. Keyframe results are returned unchanged.
    """
    ids = list(results)
    if len(ids) < 2:
        return dict(results)
    mattes = np.stack([results[i].matte for i in ids])  # (objects, H, W) uint8
    priority = mattes.astype(np.int16)
    for position, object_id in enumerate(ids):
        if results[object_id].is_keyframe:
            priority[position][results[object_id].mask > 0] = 256  # painted pixels always win
    owner = np.argmax(priority, axis=0)
    owner_matte = np.take_along_axis(mattes, owner[None], axis=0)[0]
    owned = matte_to_mask(owner_matte) > 0
    resolved = {}
    for position, object_id in enumerate(ids):
        result = results[object_id]
        if result.is_keyframe:
            resolved[object_id] = result
            continue
        taken_by_other = owned & (owner != position)
        matte = result.matte.copy()
        matte[taken_by_other] = np.minimum(matte[taken_by_other], 255 - owner_matte[taken_by_other])
        mask = result.mask.copy()
        mask[taken_by_other] = 0
        resolved[object_id] = RotoResult(mask, matte, result.confidence, is_keyframe=False)
    return resolved
