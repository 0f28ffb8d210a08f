"""Rotoscoping: propagating the masks painted on a few keyframes to every frame of a clip."""

from core.roto.baseline import warp_first_keyframe_masks
from core.roto.matte_ops import matte_to_mask, refine_matte, snap_matte_to_edges
from core.roto.objects import propagate_objects, resolve_overlaps
from core.roto.options import RotoOptions
from core.roto.project_roto import (
    project_keyframes,
    project_roto_options,
    propagate_project,
    propagated_project_results,
)
from core.roto.propagate import frames_affected_by, fuse_two_sides, propagate_masks
from core.roto.results import RotoResult

__all__ = [
    "RotoOptions",
    "RotoResult",
    "frames_affected_by",
    "fuse_two_sides",
    "matte_to_mask",
    "project_keyframes",
    "project_roto_options",
    "propagate_masks",
    "propagate_objects",
    "propagate_project",
    "propagated_project_results",
    "refine_matte",
    "resolve_overlaps",
    "snap_matte_to_edges",
    "warp_first_keyframe_masks",
]
