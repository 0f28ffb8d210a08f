"""Deformable write (Sec. 3.3): fuse flow-aligned keyframe LIF features into the target's.

For target position ``p`` and keyframe ``i`` the keyframe's LIF map is sampled bilinearly at
``p + phi_i(p)``. Per position and channel, confidences ``[f_i ‖ consistency_i] W_Q`` are
softmax-normalised over the keyframes and weight the values ``f_i W_V``; the sum is added to
the target's LIF map.

Pixel convention: pixel ``(x, y)`` of an ``(H, W)`` map is the centre of cell ``[x, x+1) x
[y, y+1)`` (``grid_sample(align_corners=False)``); a flow of ``(dx, dy)`` moves by ``dx``
columns and ``dy`` rows of that map. Flows are ``(B, T, 2, H, W)`` with channel 0 = dx and
1 = dy, target -> keyframe (``core/flow``'s ``flow_ab`` with ``a`` = target), in pixels of the
map they are defined on. ``resize_flow`` brings full-resolution flows to the LIF grid.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DeformableWrite(nn.Module):
    """Target LIF ``(B, c, H, W)`` + keyframe LIFs ``(B, T, c, H, W)`` -> target ``(B, c, H, W)``.

    Bilinear sampling is linear, so projecting and then sampling equals sampling and then
    projecting: ``project`` applies ``W_Q`` (its feature part) and ``W_V`` to the keyframes at
    their own grid, once per keyframe, and ``fuse`` samples the projections for a target. This
    keeps the per-target cost at one ``grid_sample`` instead of two 1x1 convolutions per
    keyframe, and lets callers reuse the projections for many targets.

    ``null_slot``: add a learned per-channel logit with value 0 to the softmax over keyframes,
    so that wrongly aligned keyframes can all be ignored (with ``T = 1`` the paper's softmax
    is always 1). Without it the operation is exactly the paper's.
    """

    def __init__(self, channels: int, *, null_slot: bool = True) -> None:
        super().__init__()
        self.channels = channels
        self.confidence = nn.Conv2d(channels + 1, channels, kernel_size=1)  # W_Q on [f ‖ cons]
        self.value = nn.Conv2d(channels, channels, kernel_size=1)  # W_V
        self.null_logit = nn.Parameter(torch.zeros(channels)) if null_slot else None

    def forward(self, target: torch.Tensor, keyframes: torch.Tensor, flows: torch.Tensor,
                consistency: torch.Tensor | None = None) -> torch.Tensor:
        """``flows``: ``(B, T, 2, H, W)`` LIF pixels; ``consistency``: ``(B, T, 1, H, W)`` 0..1
        or ``None`` (all consistent). ``T = 0`` returns ``target`` unchanged."""
        return self.fuse(target, self.project(keyframes), flows, consistency)

    def project(self, keyframes: torch.Tensor) -> torch.Tensor:
        """``(B, T, c, H, W)`` keyframe LIFs -> ``(B, T, 2c, H, W)``: feature part of ``W_Q`` and
        ``W_V`` applied without biases (those are added after sampling)."""
        b, t, c, h, w = keyframes.shape
        weight = torch.cat((self.confidence.weight[:, :c], self.value.weight), dim=0)
        projected = F.conv2d(keyframes.reshape(b * t, c, h, w), weight)
        return projected.view(b, t, 2 * c, h, w)

    def fuse(self, target: torch.Tensor, projected: torch.Tensor, flows: torch.Tensor,
             consistency: torch.Tensor | None = None) -> torch.Tensor:
        """Add the keyframes' ``project``-ions, aligned by ``flows``, to ``target``."""
        b, t, c2, h, w = projected.shape
        c = c2 // 2
        if t == 0:
            return target
        sampled, inside = sample_keyframes(projected, flows)
        confidence = inside if consistency is None else consistency.to(inside.dtype) * inside
        w_cons = self.confidence.weight[:, c].view(1, 1, c, 1, 1)
        logits = (sampled[:, :, :c] + w_cons * confidence
                  + self.confidence.bias.view(1, 1, c, 1, 1))
        values = sampled[:, :, c:] + self.value.bias.view(1, 1, c, 1, 1)
        if self.null_logit is not None:
            null = self.null_logit.to(logits.dtype).view(1, 1, c, 1, 1).expand(b, 1, c, h, w)
            logits = torch.cat((logits, null), dim=1)
            values = torch.cat((values, torch.zeros_like(values[:, :1])), dim=1)
        weights = logits.softmax(dim=1)  # over keyframes, per position and channel
        return target + (weights * values).sum(dim=1)


def sample_keyframes(features: torch.Tensor, flows: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
    """Bilinearly sample each keyframe's map at ``p + flow(p)``.

    ``features``: ``(B, T, C, H, W)``; ``flows``: ``(B, T, 2, H, W)`` in pixels of that grid.
    Returns ``sampled (B, T, C, H, W)`` (zeros outside the keyframe; at least fp32) and ``inside
    (B, T, 1, H, W)``: the share, 0..1, of the bilinear footprint that lies inside the keyframe.
    """
    b, t, c, h, w = features.shape
    if flows.shape != (b, t, 2, h, w):
        raise ValueError(f"flows {tuple(flows.shape)} do not match "
                         f"features {tuple(features.shape)}")
    # Coordinates in at least fp32: in bf16 a position of 50 is only known to +-0.25 pixels.
    dtype = torch.promote_types(features.dtype, torch.float32)
    features = features.to(dtype)
    flows = flows.reshape(b * t, 2, h, w).to(dtype)
    ys = torch.arange(h, device=features.device, dtype=dtype).view(1, h, 1)
    xs = torch.arange(w, device=features.device, dtype=dtype).view(1, 1, w)
    x = xs + flows[:, 0]
    y = ys + flows[:, 1]
    grid = torch.stack(((2 * x + 1) / w - 1, (2 * y + 1) / h - 1), dim=-1)  # (B*T, H, W, 2)
    sampled = F.grid_sample(features.reshape(b * t, c, h, w), grid, mode="bilinear",
                            padding_mode="zeros", align_corners=False)
    ones = torch.ones(b * t, 1, h, w, device=features.device, dtype=dtype)
    inside = F.grid_sample(ones, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return sampled.view(b, t, c, h, w), inside.view(b, t, 1, h, w)


def resize_flow(flow: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize pixel flows ``(..., 2, H, W)`` to ``(..., 2, h, w)``, scaling dx by ``w / W`` and
    dy by ``h / H`` so they stay in pixels of the new grid.

    Shrinking averages (area), so a flow at stride 8 is the mean over each 8x8 cell; growing is
    bilinear.
    """
    h_in, w_in = flow.shape[-2:]
    resized = _resize(flow, size)
    scale = torch.tensor([size[1] / w_in, size[0] / h_in], device=flow.device, dtype=flow.dtype)
    return resized * scale.view(2, 1, 1)


def resize_consistency(consistency: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize consistency maps ``(..., 1, H, W)`` (0..1) to ``(..., 1, h, w)`` like flows."""
    return _resize(consistency, size)


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    lead, (c, h, w) = x.shape[:-3], x.shape[-3:]
    if (h, w) == tuple(size):
        return x
    flat = x.reshape(-1, c, h, w)
    if flat.shape[0] == 0:
        return x.new_zeros(*lead, c, *size)
    if size[0] <= h and size[1] <= w:
        out = F.interpolate(flat, size=size, mode="area")
    else:
        out = F.interpolate(flat, size=size, mode="bilinear", align_corners=False)
    return out.reshape(*lead, c, *size)
