"""Propagating again after a keyframe edit (issue 15, fast edits): the whole clip with its flows
computed afresh, as the window did before, against only the frames the edit changed, with the
clip's cached flows, as it does now.

The clip is propagated once from ``keyframes`` (timed: a user's first propagation, flows computed
and cached). Then ``edit`` (a keyframe added or corrected) is propagated both ways, each time from
the same state: the clip refiner that learned ``keyframes`` kept (so it warm-starts, as in the
window), and for the segment, the flows of the first propagation kept.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Mapping, Sequence

import cv2
import numpy as np

from core.flow import project_flows
from core.masks import read_mask_folder
from core.flow.flow_cache import forget_flow_caches
from core.project import ClipRef, MaskKind, new_project
from core.roto import RotoOptions, project_keyframes, propagate_project, propagated_project_results
from core.roto.clip_refiner import forget_refiners
from core.roto.clip_refiner_cache import kept_refiners
from core.roto.repropagation import frames_to_repropagate, record_propagation
from core.video import open_clip

SIZE = (854, 480)  # issue 15's target: under 10 s for 80 frames at 480p on 2 cores


def repropagation_speed(name: str, frames: Sequence[np.ndarray], keyframes: Mapping[int, np.ndarray],
                        edit: tuple[int, np.ndarray], *, refine_steps: int, working_width: int = 480) -> dict:
    """``{"clip", "size", "frames", "refine_steps", "segment_frames", "first_s", "first_cpu_s",
    "whole_s", "whole_cpu_s", "segment_s", "segment_cpu_s", "segment_pairs_computed"}`` (and with
    the refiner ``"quick_s", "quick_cpu_s"``): seconds (wall and process CPU) of the first
    propagation, of the whole clip again after ``edit`` (a ``(frame, mask)`` keyframe), of the
    window's quick pass over its stale frames (the kept refiner, no training) and of the whole
    pass over them; flows DIS computed for the segment."""
    forget_flow_caches()
    forget_refiners()
    frame_of = frames.__getitem__
    height, width = frames[0].shape[:2]
    project = new_project(ClipRef(Path(f"<bench {name}>"), width, height, len(frames), Fraction(25)))
    oid = project.objects[0].id
    for frame, mask in keyframes.items():
        project.set_mask(oid, frame, mask, MaskKind.KEYFRAME)
    options = RotoOptions(working_width=working_width, refine_steps=refine_steps)
    row = {"clip": name, "size": (width, height), "frames": len(frames), "refine_steps": refine_steps}

    row["first_s"], row["first_cpu_s"] = _timed(lambda: propagate_project(project, frame_of, options=options))
    record = record_propagation(project, options)
    project.set_mask(oid, edit[0], edit[1], MaskKind.KEYFRAME)
    stale = frames_to_repropagate(project, record, options)
    row["segment_frames"] = len(stale)

    edited, refiners = project_keyframes(project), kept_refiners.items()
    row["whole_s"], row["whole_cpu_s"] = _timed(lambda: propagated_project_results(
        edited, frame_of, len(frames), options=options))  # a FlowField of its own: flows computed
    kept_refiners.clear()  # back to the refiners of the first propagation
    for key, refiner in refiners:
        kept_refiners.put(key, refiner)
    flows = project_flows(project)
    if refine_steps:  # the window's quick pass first: the kept refiner as it is (app/propagation.py)
        quick = replace(options, refiner_learns=False)
        row["quick_s"], row["quick_cpu_s"] = _timed(lambda: propagate_project(project, frame_of, options=quick,
                                                                              frames=stale))
    stored = flows.pairs_stored
    row["segment_s"], row["segment_cpu_s"] = _timed(lambda: propagate_project(project, frame_of, options=options,
                                                                              frames=stale))
    row["segment_pairs_computed"] = flows.pairs_stored - stored
    forget_flow_caches()
    return row


def sample_repropagation(clip: Path, keyframe_folder: Path, *, refine_steps: int, added: int = 40) -> dict:
    """:func:`repropagation_speed` of the bundled sample scaled to 854x480: propagated from its
    keyframes but ``added``, then ``added``'s keyframe painted (with 0, 20, 60, 79: 38 frames)."""
    with open_clip(clip) as reader:
        frames = [cv2.resize(reader.frame(i), SIZE, interpolation=cv2.INTER_LINEAR)
                  for i in range(reader.info.frame_count)]
        masks = {k: cv2.resize(m, SIZE, interpolation=cv2.INTER_NEAREST)
                 for k, m in read_mask_folder(keyframe_folder, reader.info).items()}
    keyframes = {k: m for k, m in masks.items() if k != added}
    return repropagation_speed(clip.stem, frames, keyframes, (added, masks[added]), refine_steps=refine_steps)


def _timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu
