"""Classical optical flow: OpenCV DIS, forward-backward consistency, warping, a per-clip cache and
the flow cache shared by rotoscoping and removal, kept beside the project."""

from core.flow.consistency import forward_backward_consistency
from core.flow.dis_flow import compute_flow, resize_flow, working_size
from core.flow.flow_cache import FlowCache, clip_flows, flows_folder, kept_flows, project_flows
from core.flow.flow_field import FlowField
from core.flow.homography import apply_homography, background_homography, working_to_full_resolution
from core.flow.warp import compose_flow, follow_working_flow, lands_inside, sample_at, warp

__all__ = [
    "FlowCache",
    "FlowField",
    "apply_homography",
    "background_homography",
    "clip_flows",
    "compose_flow",
    "compute_flow",
    "flows_folder",
    "follow_working_flow",
    "forward_backward_consistency",
    "kept_flows",
    "lands_inside",
    "project_flows",
    "resize_flow",
    "sample_at",
    "warp",
    "working_size",
    "working_to_full_resolution",
]
