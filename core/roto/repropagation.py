"""Propagating again after a keyframe edit: only the frames the edit changed (issue 15, fast edits).

A propagation's result depends, for each frame, on the keyframes on either side of it
(:func:`core.roto.frames_affected_by`). So after a propagation the window keeps a
:class:`PropagationRecord` of what it read and wrote: each object's keyframe masks and the
propagated masks it stored (digests), and the options. The next Propagate asks
:func:`frames_to_repropagate` and recomputes only:

- the frames between the neighbours of each keyframe added, corrected or deleted since;
- the segment (between two keyframes) of any propagated frame that is no longer what the
  propagation stored (an undo, a deleted mask, a painted-over frame that became a keyframe again);
- everything, when there is no record, the options or the clip changed, or an object gained its
  first keyframe or lost its last.

The other frames keep their masks. The flows come from the clip's cache and the clip refiner
starts from the one that learned the other keyframes (:mod:`core.roto.clip_refiner_cache`), so
the edit costs the frames of its segment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.project import MaskKind, Project
from core.roto.clip_refiner_weights import pretrained_refiner_identity
from core.roto.options import RotoOptions, refine_steps
from core.roto.propagate import frames_affected_by

Digests = dict[int, dict[int, int]]  # {object id: {frame: digest of the stored mask}}


@dataclass(frozen=True)
class PropagationRecord:
    """What a propagation of a project read (keyframes, options) and wrote (propagated masks)."""

    options: str
    keyframes: Digests
    propagated: Digests

    def after_storing(self, project: Project) -> PropagationRecord:
        """This record (made when the propagation started: the keyframes it read) with the
        propagated masks of ``project`` now that its results are stored. A keyframe painted while
        it ran is then still a change the next propagation sees."""
        return replace(self, propagated=_propagated_digests(project, self.keyframes))


def record_propagation(project: Project, options: RotoOptions) -> PropagationRecord:
    """The record of ``project`` as it is now with ``options``: take it when a propagation starts
    and call :meth:`~PropagationRecord.after_storing` when its masks are stored (or, for a
    propagation that ran in this thread, take it after)."""
    keyframes = {}
    for obj in project.objects:
        keys = project.mask_frames(obj.id, MaskKind.KEYFRAME)
        if keys:
            keyframes[obj.id] = {f: _digest(project, obj.id, f) for f in keys}
    return PropagationRecord(_options_key(project, options), keyframes, _propagated_digests(project, keyframes))


def frames_to_repropagate(project: Project, record: PropagationRecord | None,
                          options: RotoOptions) -> list[int] | None:
    """Sorted frames whose propagated masks are stale since ``record`` (``[]``: none is);
    None: every frame must be propagated (no record, other options or clip, an object's first
    keyframe painted or its last deleted)."""
    if record is None or record.options != _options_key(project, options):
        return None
    keyframes = {obj.id: project.mask_frames(obj.id, MaskKind.KEYFRAME) for obj in project.objects}
    keyframes = {oid: frames for oid, frames in keyframes.items() if frames}
    if set(keyframes) != set(record.keyframes):
        return None
    count = project.clip.frame_count
    stale: set[int] = set()
    for oid, keys in keyframes.items():
        before = record.keyframes[oid]
        now = {f: _digest(project, oid, f) for f in keys}
        for frame in set(now) | set(before):
            if now.get(frame) != before.get(frame):
                stale.update(frames_affected_by(frame, keys, count))
        stored = record.propagated.get(oid, {})
        for frame in range(count):
            if frame not in now and frame not in stale and _digest(project, oid, frame) != stored.get(frame):
                stale.update(frames_affected_by(frame, keys, count))  # the frame's whole segment
    return sorted(stale)


def _propagated_digests(project: Project, objects) -> Digests:
    known = {obj.id for obj in project.objects}
    return {oid: {f: _digest(project, oid, f) for f in project.mask_frames(oid, MaskKind.PROPAGATED)}
            for oid in objects if oid in known}


def _digest(project: Project, object_id: int, frame: int) -> int | None:
    """The stored mask's 64-bit hash (within this process): a bytes object keeps its hash, so an
    unchanged mask costs nothing the next time (a long 1080p clip is hundreds of MB of masks, read
    on the window's thread)."""
    packed = project.packed_mask(object_id, frame)
    return None if packed is None else hash(packed)


def _options_key(project: Project, options: RotoOptions) -> str:
    """What the propagated masks depend on besides the keyframes."""
    model = options.matte_model if isinstance(options.matte_model, (str, type(None))) else id(options.matte_model)
    clip = project.clip
    steps = refine_steps(options.refine_steps)
    return repr((str(clip.path), clip.width, clip.height, clip.frame_count, options.working_width, options.reanchor,
                 options.edge_snap, steps, model, options.compact, pretrained_refiner_identity() if steps else None))
