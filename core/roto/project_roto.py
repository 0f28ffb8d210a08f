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
from core.flow import FlowField
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import MaskKind, Project
from core.roto.certainty import frame_certainty
from core.roto.matte_model import MatteModel, find_matte_model
from core.roto.objects import propagate_objects
from core.roto.results import RotoResult

KeyframesByObject = dict[int, dict[int, np.ndarray]]


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


def propagated_project_masks(
    keyframes: KeyframesByObject,
    frame_of: Callable[[int], np.ndarray],
    frame_count: int,
    *,
    working_width: int | None = 480,
    frames: Iterable[int] | None = None,
    matte_model: MatteModel | str | None = "auto",
    refine_steps: int | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> KeyframesByObject:
    """``{object_id: {frame: (H, W) uint8 0/255 mask}}`` for the propagated frames (keyframes left out).

    frame_of(i): ``(H, W, 3)`` uint8 RGB frame ``i``; flow runs ``working_width`` pixels wide.
    matte_model: the learned correction; ``"auto"``: the shipped rotoscoping model when it loads
    (:func:`core.roto.matte_model.find_matte_model`), None: the classical propagation only.
    refine_steps: the clip refiner's training steps, as in :func:`core.roto.propagate_masks`.
    """
    results = propagated_project_results(
        keyframes, frame_of, frame_count, working_width=working_width, frames=frames,
        matte_model=matte_model, refine_steps=refine_steps, progress=progress, cancel=cancel,
    )
    return propagated_masks_and_certainty(results)[0]


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
    working_width: int | None = 480,
    frames: Iterable[int] | None = None,
    matte_model: MatteModel | str | None = "auto",
    refine_steps: int | None = None,
    compact: bool = False,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> dict[int, MutableMapping[int, RotoResult]]:
    """``{object_id: {frame: RotoResult}}`` (mask, soft matte, confidence), keyframes included;
    ``matte_model`` and ``refine_steps`` as in :func:`propagated_project_masks`; ``compact``: each
    object's results PNG-compressed (:class:`~core.roto.results.CompactResults`)."""
    if matte_model == "auto":
        matte_model = find_matte_model()
    flow = FlowField(frame_of, frame_count, working_width=working_width)
    return propagate_objects(
        frame_of, frame_count, keyframes, flow=flow, frames=frames, matte_model=matte_model,
        refine_steps=refine_steps, compact=compact, progress=progress, cancel=cancel,
    )


def project_refine_steps(project: Project) -> int | None:
    """The clip refiner's steps for ``project``: its default (None) when the project's
    ``refine_outlines`` setting is on, 0 (off) when it is off."""
    return None if project.settings.refine_outlines else 0


def propagate_project(
    project: Project,
    frame_of: Callable[[int], np.ndarray],
    *,
    frames: Iterable[int] | None = None,
    matte_model: MatteModel | str | None = "auto",
    refine_steps: int | None = None,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> None:
    """Rotoscope every object with keyframes and store the masks in ``project`` (in place).

    ``refine_steps`` None: the clip refiner's default when the project's ``refine_outlines`` is on,
    off when it is off."""
    if refine_steps is None:
        refine_steps = project_refine_steps(project)
    masks = propagated_project_masks(
        project_keyframes(project), frame_of, project.clip.frame_count,
        working_width=project.settings.working_width, frames=frames, matte_model=matte_model,
        refine_steps=refine_steps, progress=progress, cancel=cancel,
    )
    for object_id, per_frame in masks.items():
        project.set_propagated_masks(object_id, per_frame)
