"""The network's input tensors, built the same way by the trainer and the renderer.

A ``residual_rgb`` model (``ModelConfig.cpu``) reads 8 channels for the target and for each
keyframe; the older ``rgb`` models read 4:

====================  ==========================================  ==================================
channels              target                                      keyframe
====================  ==========================================  ==================================
0..2 RGB (0..1)       the frame, zeroed inside the hole           the frame, zeroed inside its hole
3 hole (1 = hidden)   the hole                                    its own hole (0 when fully known)
4..6 prealigned RGB   the flow fill's result (source outside)     channels 0..2 again
7 confidence (0..1)   the flow fill's trust in each hole pixel    1 where known, 0 in its hole
====================  ==========================================  ==================================

So a keyframe looks to the network like a target whose known pixels are fully trusted.
"""

from __future__ import annotations

import torch


def target_channels(rgb: torch.Tensor, hole: torch.Tensor, prealigned: torch.Tensor | None = None,
                    confidence: torch.Tensor | None = None, *, channels: int = 4) -> torch.Tensor:
    """``(..., C, H, W)`` network input of a target: ``rgb``, ``prealigned`` ``(..., 3, H, W)``
    0..1; ``hole``, ``confidence`` ``(..., 1, H, W)`` 0..1. ``channels``: 4 or 8 (the model's
    ``in_channels``); the prealigned pair is needed for 8."""
    known = rgb * (1 - hole)
    if channels == 4:
        return torch.cat([known, hole], dim=-3)
    if prealigned is None or confidence is None:
        raise ValueError("an 8-channel model needs the prealigned RGB and its confidence")
    return torch.cat([known, hole, prealigned, confidence * hole], dim=-3)


def keyframe_channels(rgb: torch.Tensor, hole: torch.Tensor, *, channels: int = 4) -> torch.Tensor:
    """``(..., C, H, W)`` network input of a keyframe (see the module's table)."""
    known = rgb * (1 - hole)
    if channels == 4:
        return torch.cat([known, hole], dim=-3)
    return torch.cat([known, hole, known, 1 - hole], dim=-3)
