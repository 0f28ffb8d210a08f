"""The cleaned clip: every frame with the project's object masks filled from other frames.

Frames the user fixed by hand (content keyframes) always win: they are returned as they are and
serve as fully known sources for their neighbours, so their content propagates
(:mod:`core.render.sources`). The method (:mod:`core.render.methods`) gives the network or none;
the network renders the clip the paper's way (:class:`NetworkClipRenderer`), none is the flow fill.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from core.fill import FlowFill
from core.flow import FlowField, kept_flows
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.project import Project
from core.render.network_clip_renderer import NetworkClipRenderer
from core.render.keyframe_schedule import ANCHOR_STEP
from core.render.methods import choose_fill
from core.render.model_finder import Notice, log_notice
from core.render.network_renderer import NetworkRenderer
from core.render.options import RemovalOptions
from core.render.sources import check_every_frame_has_a_mask, removal_sources


def removed_frames(
    project: Project,
    frame_of: Callable[[int], np.ndarray],
    options: RemovalOptions = RemovalOptions(),
    *,
    start: int = 0,
    stop: int | None = None,
    notice: Notice = log_notice,
    progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Iterator[np.ndarray]:
    """The cleaned frames ``start..stop-1`` in order (``(H, W, 3)`` uint8 RGB), as an iterator.

    ``frame_of(i)`` decodes source frame ``i`` (e.g. ``ClipReader.frame``). ``options``: the
    method (None: the project's setting), checkpoint, device and "+prealign" step
    (:class:`~core.render.options.RemovalOptions`); ``auto`` falls back to the flow fill with
    ``notice(message)`` when no checkpoint loads. Raises :class:`MaskError` (frames without a
    mask) and, for ``network``, :class:`ModelError` here, before any work.
    """
    options = options.for_project(project)
    stop = project.clip.frame_count if stop is None else stop
    check_every_frame_has_a_mask(project, range(start, stop))
    model = choose_fill(options, notice=notice)
    if model is not None:
        network = NetworkRenderer(project, frame_of, model, prealign=options.prealign, notice=notice)
        render = NetworkClipRenderer(network)
        return render.frames(start, stop, progress=progress, cancel=cancel)
    return _flow_filled_frames(project, frame_of, start, stop, progress, cancel)


def _flow_filled_frames(project, frame_of, start, stop, progress, cancel) -> Iterator[np.ndarray]:
    """The classical flow fill of frames ``start..stop-1``."""
    frame_of, mask_of = removal_sources(project, frame_of)  # content keyframes in place of decoded frames
    count = project.clip.frame_count
    # the fill reads each neighbouring pair twice, ~2 x max_distance pairs apart (its homography
    # while visiting sources, its completed flow when the pair is the previous frame): 8 pairs
    # computed DIS twice per pair (profiled, issue 14); 96 pairs at the working grid are ~200 MB.
    # On the clip's shared cache when one was made (the propagation's flows are not computed
    # again); content keyframes are not the clip's pixels
    flow = FlowField(frame_of, count, working_width=project.settings.working_width, cache_pairs=96,
                     cache=kept_flows(project), unshared=project.content_keyframes())
    fill = FlowFill(frame_of, mask_of, count, flow=flow, texture=project.settings.fill_texture)
    # chunks of ANCHOR_STEP frames start afresh, as the network's do: any chunk renders alone
    # exactly as in the whole clip (main.py render --frames, core.farm)
    return fill.fill_clip(start=start, stop=stop, progress=progress, cancel=cancel, chunk=ANCHOR_STEP)
