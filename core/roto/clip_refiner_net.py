"""The clip refiner's network (:mod:`core.roto.clip_refiner`): a frame and a prior matte in,
corrected mask logits out."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.roto.matte_model import PRIOR_CLAMP

CHANNELS = 32
DILATIONS = (1, 2, 4, 8, 1)
RECEPTIVE_PX = sum(DILATIONS)  # how far an output pixel sees: 16 pixels each way (a 33 px field)


class ClipRefinerNet(nn.Module):
    """RGB ``(N, 3, H, W)`` 0..1 and prior ``(N, 1, H, W)`` 0..1 → mask logits ``(N, 1, H, W)``.

    Five 3x3 convolutions (dilations 1, 2, 4, 8, 1: a 33 px field of view) and a 1x1 head added to
    the prior's logit; the head starts at zero, so an untrained network returns the prior.
    """

    def __init__(self, channels: int = CHANNELS):
        super().__init__()
        layers: list[nn.Module] = []
        inputs = 4
        for dilation in DILATIONS:
            layers += [nn.Conv2d(inputs, channels, 3, padding=dilation, dilation=dilation), nn.ReLU()]
            inputs = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(channels, 1, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        # what its weights file records and the weights registry checks (core.model.weights)
        self.config = {"in_channels": 4, "channels": channels, "output": "mask_logits"}

    def forward(self, rgb: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        prior = prior.clamp(PRIOR_CLAMP, 1 - PRIOR_CLAMP)
        features = self.body(torch.cat([rgb - 0.5, prior * 2 - 1], dim=1))
        return torch.log(prior / (1 - prior)) + self.head(features)


def rgb_tensor(rgb: np.ndarray) -> torch.Tensor:
    """``(N, h, w, 3)`` uint8 or float 0..1 → ``(N, 3, h, w)`` float32 0..1, the network's input."""
    rgb = rgb.astype(np.float32) / 255 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)))
