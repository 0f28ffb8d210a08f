"""The network's input tensors, built the same way by the trainer and the renderer.

A ``residual_rgb`` model reads 8 channels for the target and for each
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

A model that also reads the flow fill's candidates (``ModelConfig.candidate_inputs`` K > 0) gets
4 more channels per candidate after those 8: the candidate's RGB where it was found (0 elsewhere)
and whether it was (:meth:`core.fill.Prealigned.candidate_planes`). A keyframe's candidates are all
its known pixels, found wherever it is known: every source agrees.
"""

from __future__ import annotations

import torch

from core.fill.prealigned import CANDIDATE_PLANES


def target_channels(rgb: torch.Tensor, hole: torch.Tensor, prealigned: torch.Tensor | None = None,
                    confidence: torch.Tensor | None = None, *, channels: int = 4,
                    candidates: torch.Tensor | None = None) -> torch.Tensor:
    """``(..., C, H, W)`` network input of a target: ``rgb``, ``prealigned`` ``(..., 3, H, W)``
    0..1; ``hole``, ``confidence`` ``(..., 1, H, W)`` 0..1; ``candidates`` ``(..., 4 K, H, W)``
    (see the module's docstring). ``channels``: 4, 8 or 8 + 4 K (the model's ``in_channels``);
    the prealigned pair is needed from 8 on, the candidates beyond."""
    known = rgb * (1 - hole)
    if channels == 4:
        return torch.cat([known, hole], dim=-3)
    if prealigned is None or confidence is None:
        raise ValueError("a model that corrects the flow fill needs the prealigned RGB and its confidence")
    planes = [known, hole, prealigned, confidence * hole]
    if channels > 8:
        if candidates is None or candidates.shape[-3] != channels - 8:
            raise ValueError(f"a {channels}-channel model needs {channels - 8} candidate planes")
        planes.append(candidates)
    return torch.cat(planes, dim=-3)


def keyframe_channels(rgb: torch.Tensor, hole: torch.Tensor, *, channels: int = 4) -> torch.Tensor:
    """``(..., C, H, W)`` network input of a keyframe (see the module's table)."""
    known = rgb * (1 - hole)
    if channels == 4:
        return torch.cat([known, hole], dim=-3)
    seen = 1 - hole
    slot = [known, seen]
    return torch.cat([known, hole, known, seen] + slot * ((channels - 8) // CANDIDATE_PLANES), dim=-3)
