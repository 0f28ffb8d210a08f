"""Classical optical flow: OpenCV DIS, forward-backward consistency, warping and a per-clip cache."""

from core.flow.consistency import forward_backward_consistency
from core.flow.dis_flow import compute_flow, resize_flow, working_size
from core.flow.flow_field import FlowField
from core.flow.homography import apply_homography, background_homography, working_to_full_resolution
from core.flow.warp import compose_flow, follow_working_flow, lands_inside, sample_at, warp

__all__ = [
    "FlowField",
    "apply_homography",
    "background_homography",
    "compose_flow",
    "compute_flow",
    "follow_working_flow",
    "forward_backward_consistency",
    "lands_inside",
    "resize_flow",
    "sample_at",
    "warp",
    "working_size",
    "working_to_full_resolution",
]
