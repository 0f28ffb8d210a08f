"""Whether the file at a project's clip path is still the clip the project was made on.

A project keeps its clip's size, frame count and rate. The file can change behind its back
(re-exported longer, replaced by another take). Masks drawn at another size fit nothing: that is
refused when the project is loaded, before any of its images is decoded. Another frame count or
rate would export the project's frames only, silently: it is said, with the two fixes: re-probe
(take the clip as it is now; masks stay on their frames) or relink to the clip it was made on.
"""

from __future__ import annotations

from core.errors import KeyfillError, ProjectError
from core.project.document import ClipRef, Project


def clip_on_disk(clip: ClipRef, project_name: str) -> ClipRef | None:
    """The clip at ``clip.path`` as probed now; None when it is missing or cannot be read (that
    is said when it is opened). Raises :class:`ProjectError` when its size is not ``clip``'s."""
    from core.project.from_clip import clip_ref
    from core.video import probe

    if not clip.path.exists():
        return None
    try:
        found = clip_ref(probe(clip.path))
    except KeyfillError:
        return None
    if (found.width, found.height) != (clip.width, clip.height):
        raise ProjectError(
            f"{project_name} was made on a {clip.width}x{clip.height} clip but '{clip.path.name}' is "
            f"{found.width}x{found.height}; put the project's own clip back at {clip.path} (its masks are "
            "drawn at that size) or open an earlier copy of the project.")
    return found


def clip_mismatch(project: Project, found: ClipRef | None = None) -> str | None:
    """One line on how the clip on disk (``found``, default ``project.clip_on_disk``) differs from
    the project's in frame count or rate, with the fix; None when it does not."""
    found = project.clip_on_disk if found is None else found
    clip = project.clip
    if found is None or (found.frame_count, found.frame_rate) == (clip.frame_count, clip.frame_rate):
        return None
    name = project.path.name if project.path is not None else "The project"
    return (f"{name} was made on {_length(clip)} of '{clip.path.name}' but the clip now has "
            f"{_length(found)}; re-probe the clip to use it as it is now (main.py export or render "
            "--reprobe; Re-probe in the window), or relink the project to the clip it was made on.")


def check_clip(project: Project, info, *, reprobe: bool = False) -> str | None:
    """Before reading the clip ``info`` (a :class:`core.video.ClipInfo`) for ``project``: raise
    :class:`ProjectError` when it is not the project's clip; with ``reprobe``, adopt its frame
    count and rate instead and return a notice saying so (None when nothing changed)."""
    from core.project.from_clip import clip_ref

    found = clip_ref(info)
    clip = project.clip
    if (found.width, found.height) != (clip.width, clip.height):
        name = project.path.name if project.path is not None else "The project"
        raise ProjectError(
            f"{name} was made on a {clip.width}x{clip.height} clip but '{found.path.name}' is "
            f"{found.width}x{found.height}; relink the project to the clip it was made on.")
    message = clip_mismatch(project, found)
    if message is None:
        return None
    if not reprobe:
        raise ProjectError(message)
    before = _length(clip)
    project.reprobe(found)
    return f"Re-probed '{found.path.name}': {_length(found)} (the project had {before})."


def _length(clip: ClipRef) -> str:
    return f"{clip.frame_count} frames at {float(clip.frame_rate):g} fps"
