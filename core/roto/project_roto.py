"""Rotoscoping a whole project: every object's keyframe masks propagated to the frames that need it.

The document (:class:`core.project.Project`) is read for the keyframes and, with
:func:`propagate_project`, written back as propagated masks (keyframes are never overwritten).
The window takes :func:`project_keyframes` on its own thread and runs
:func:`propagated_project_results` in a worker, split by :func:`propagated_masks_and_certainty`,
so the result can land as one undo step, with each frame's certainty for the timeline.
"""

from __future__ import annotations

from typing import Callable, Iterable, MutableMapping

import numpy as np

from core.errors import MaskError
from core.flow import FlowCache, FlowField, project_flows
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import MaskKind, Project
from core.roto.certainty import frame_certainty
from core.roto.objects import propagate_objects
from core.roto.options import RotoOptions
from core.roto.results import RotoResult

KeyframesByObject = dict[int, dict[int, np.ndarray]]

PROJECT_DEFAULTS = RotoOptions(matte_model="auto")  # a project's objects: the network when it loads


def project_keyframes(project: Project) -> KeyframesByObject:
    """``{object_id: {frame: mask}}`` of every object that has at least one mask keyframe.

    Raises MaskError when no object has one (nothing to propagate from).
    """
    keyframes = {
        obj.id: {f: project.mask(obj.id, f) for f in project.mask_frames(obj.id, MaskKind.KEYFRAME)}
        for obj in project.objects
    }
    keyframes = {oid: masks for oid, masks in keyframes.items() if masks}
    if not keyframes:
        raise MaskError("No object has a mask keyframe yet; paint the object on a frame, then propagate.")
    return keyframes


def project_roto_options(project: Project) -> RotoOptions:
    """The options ``project`` is rotoscoped with: its working width, the clip refiner at its
    default steps when the ``refine_outlines`` setting is on (off when it is off), and the shipped
    rotoscoping network when it loads."""
    settings = project.settings
    return RotoOptions(working_width=settings.working_width, refine_steps=None if settings.refine_outlines else 0,
                       matte_model="auto")


def propagated_masks_and_certainty(
    results: dict[int, MutableMapping[int, RotoResult]],
) -> tuple[KeyframesByObject, dict[int, dict[int, float]]]:
    """``({object_id: {frame: mask}}, {object_id: {frame: certainty 0..1}})`` of the propagated
    frames of ``results`` (:func:`propagated_project_results`; keyframes left out, but their masks
    are the neighbours an abrupt change is judged against: :func:`core.roto.certainty.frame_certainty`)."""
    masks, certainty = {}, {}
    for oid, per_frame in results.items():
        every = {f: r.mask for f, r in per_frame.items()}
        propagated = [f for f, r in per_frame.items() if not r.is_keyframe]
        masks[oid] = {f: every[f] for f in propagated}
        certainty[oid] = frame_certainty({f: per_frame[f].confidence for f in propagated}, every)
    return masks, certainty


def propagated_project_results(
    keyframes: KeyframesByObject,
    frame_of: Callable[[int], np.ndarray],
    frame_count: int,
    *,
    options: RotoOptions = PROJECT_DEFAULTS,
    frames: Iterable[int] | None = None,
    flows: FlowCache | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> dict[int, MutableMapping[int, RotoResult]]:
    """``{object_id: {frame: RotoResult}}`` (mask, soft matte, confidence), keyframes included.

    frame_of(i): ``(H, W, 3)`` uint8 RGB frame ``i``; options: as in :func:`core.roto.propagate_masks`
    (here the shipped rotoscoping network is used by default, when it loads; ``compact``: each
    object's results PNG-compressed, :class:`~core.roto.results.CompactResults`).
    flows: the clip's :class:`~core.flow.FlowCache` (:func:`core.flow.project_flows`), so flows
    computed by an earlier propagation or removal of the clip are not computed again.
    """
    options = options.resolved()
    flow = FlowField(frame_of, frame_count, working_width=options.working_width, cache=flows)
    return propagate_objects(frame_of, frame_count, keyframes, options=options, flow=flow, frames=frames,
                             progress=progress, cancel=cancel)


def propagate_project(
    project: Project,
    frame_of: Callable[[int], np.ndarray],
    *,
    options: RotoOptions | None = None,
    frames: Iterable[int] | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> None:
    """Rotoscope every object with keyframes and store the masks in ``project`` (in place).

    options: None: the project's own (:func:`project_roto_options`). The flows are the clip's
    shared cache (:func:`core.flow.project_flows`): a removal of the project after this does not
    compute them again."""
    options = options if options is not None else project_roto_options(project)
    results = propagated_project_results(project_keyframes(project), frame_of, project.clip.frame_count,
                                         options=options, frames=frames, flows=project_flows(project),
                                         progress=progress, cancel=cancel)
    masks = propagated_masks_and_certainty(results)[0]  # keyframes left out: they stay as painted
    for object_id, per_frame in masks.items():
        project.set_propagated_masks(object_id, per_frame)
