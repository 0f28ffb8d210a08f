"""A detached copy of a project, cheap to take, for saving on another thread (autosave).

Masks are copied in their packed form (no unpacking), so a snapshot of a long clip takes
milliseconds on the window's thread; writing it (PNG encoding) can then run on a worker while the
user keeps editing the original.
"""

from __future__ import annotations

import dataclasses

from core.project import Project
from core.project.mask_track import MaskTrack


def snapshot(project: Project) -> Project:
    """Same clip, objects, settings, masks, content keyframes and path; no observers."""
    copy = Project(
        clip=project.clip,
        objects=[dataclasses.replace(o) for o in project.objects],
        settings=dataclasses.replace(project.settings),
        path=project.path,
    )
    for obj in project.objects:
        copy._tracks[obj.id] = _copy_track(project._tracks[obj.id])
    copy._content = dict(project._content)  # arrays are never mutated in place, only replaced
    copy.revision = copy.saved_revision = project.revision
    return copy


def _copy_track(track: MaskTrack) -> MaskTrack:
    new = MaskTrack(track.width, track.height)
    with track._lock:
        new._packed = dict(track._packed)
        new._kinds = dict(track._kinds)
    return new
