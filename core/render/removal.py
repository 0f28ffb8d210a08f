"""The cleaned clip: every frame with the project's object masks filled from other frames.

Frames the user fixed by hand (content keyframes) always win: they are returned as they are and
serve as fully known sources for their neighbours, so their content propagates.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from core.errors import MaskError
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.project.mask_coverage import frame_ranges
from core.render.model_finder import Notice, log_notice
from core.render.removal_renderer import REMOVAL_METHODS, choose_fill, network_clip_render


def removal_sources(project: Project, frame_of: Callable[[int], np.ndarray]):
    """``(frame_getter, mask_getter)`` for the fills: content keyframes replace decoded frames and
    have an empty mask; every other frame's mask is the union of the visible objects' masks."""
    empty = np.zeros((project.clip.height, project.clip.width), np.uint8)

    def frame_getter(index: int) -> np.ndarray:
        fixed = project.content_keyframe(index)
        return fixed if fixed is not None else frame_of(index)

    def mask_getter(index: int) -> np.ndarray:
        if project.content_keyframe(index) is not None:
            return empty
        mask = project.removal_mask(index)
        return empty if mask is None else mask

    return frame_getter, mask_getter


def removed_frames(
    project: Project,
    frame_of: Callable[[int], np.ndarray],
    *,
    method: str | None = None,
    start: int = 0,
    stop: int | None = None,
    model_path=None,
    device: str = "auto",
    prealign: bool = False,
    notice: Notice = log_notice,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[np.ndarray]:
    """The cleaned frames ``start..stop-1`` in order (``(H, W, 3)`` uint8 RGB), as an iterator.

    ``frame_of(i)`` decodes source frame ``i`` (e.g. ``ClipReader.frame``). ``method``: one of
    ``REMOVAL_METHODS``, ``None`` for the project's setting; ``auto`` falls back to the flow fill
    with ``notice(message)`` when no checkpoint loads (``model_path``, see
    :mod:`core.render.model_finder`). ``prealign``: the network's "+prealign" step.
    Raises :class:`MaskError` (frames without a mask) and, for ``network``, :class:`ModelError`
    here, before any work.
    """
    method = method or project.settings.removal_method
    if method not in REMOVAL_METHODS:
        raise MaskError(f"Unknown removal method {method!r}; use one of {', '.join(REMOVAL_METHODS)}.")
    stop = project.clip.frame_count if stop is None else stop
    check_every_frame_has_a_mask(project, range(start, stop))
    model = choose_fill(method, model_path=model_path, device=device, notice=notice)
    if model is not None:
        render = network_clip_render(project, frame_of, model, prealign=prealign, notice=notice)
        return render.frames(start, stop, progress=progress, cancel=cancel)
    return _flow_filled_frames(project, frame_of, start, stop, progress, cancel)


def _flow_filled_frames(project, frame_of, start, stop, progress, cancel) -> Iterator[np.ndarray]:
    """The classical flow fill of frames ``start..stop-1``."""
    from core.fill import FlowFill
    from core.flow import FlowField

    frame_getter, mask_getter = removal_sources(project, frame_of)
    count = project.clip.frame_count
    flow = FlowField(frame_getter, count, working_width=project.settings.working_width, cache_pairs=8)
    fill = FlowFill(frame_getter, mask_getter, count, flow=flow)
    return fill.fill_clip(start=start, stop=stop, progress=progress, cancel=cancel)


def check_every_frame_has_a_mask(project: Project, frames: range) -> None:
    """Raise :class:`MaskError` naming the frames (as ranges) that have no mask of any object."""
    if not project.objects:
        raise MaskError("The project has no object to remove; add an object and paint its mask.")
    missing = [
        i for i in frames
        if project.content_keyframe(i) is None and project.removal_mask(i) is None
    ]
    if missing:
        raise MaskError(
            f"{len(missing)} of {len(frames)} frames have no mask ({frame_ranges(missing)}); "
            "propagate the keyframe masks first (main.py roto, or Propagate masks in the window)."
        )
