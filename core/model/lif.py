"""LIF encoding and decoding (Sec. 3.1).

Each frame is encoded on its own by a strided convolutional network into the locally interacting
feature (LIF) map at stride ``s = 2**downsamplings`` (8); a mirrored network of transposed
convolutions decodes the target's final LIF map back to RGB. The layer recipe (7x7 stem,
3x3 stride-2 convolutions, BatchNorm + ReLU, sigmoid output) follows LaMa and the paper's release.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig


class LIFEncoder(nn.Module):
    """``(N, in_channels, H, W)`` frames -> ``(N, c, H/s, W/s)`` LIF maps.

    ``H`` and ``W`` must be multiples of the stride ``s`` (the network pads its inputs).
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        channels = config.base_channels
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(config.in_channels, channels, kernel_size=7, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
        ]
        for _ in range(config.downsamplings):
            layers += [
                nn.Conv2d(channels, 2 * channels, kernel_size=3, stride=2, padding=1,
                          padding_mode="reflect", bias=False),
                nn.BatchNorm2d(2 * channels),
                nn.ReLU(inplace=True),
            ]
            channels *= 2
        self.layers = nn.Sequential(*layers)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return self.layers(frames)

    def forward_with_skips(self, frames: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The LIF map and the maps at strides ``1, 2, .., s/2`` (after each BatchNorm + ReLU),
        finest first, for the decoder's skip connections."""
        skips = []
        x = frames
        for layer in self.layers:
            if isinstance(layer, nn.Conv2d) and layer.stride[0] == 2:
                skips.append(x)
            x = layer(x)
        return x, skips


class LIFDecoder(nn.Module):
    """``(N, c, H/s, W/s)`` LIF maps -> ``(N, out_channels, H, W)``: RGB in 0..1, or mask logits."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        channels = config.lif_channels
        layers: list[nn.Module] = []
        for _ in range(config.downsamplings):
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, kernel_size=3, stride=2, padding=1,
                                   output_padding=1, bias=False),
                nn.BatchNorm2d(channels // 2),
                nn.ReLU(inplace=True),
            ]
            channels //= 2
        last = nn.Conv2d(channels, config.decoder_channels, kernel_size=7)
        layers += [nn.ReflectionPad2d(3), last]
        if config.output == "rgb":
            layers.append(nn.Sigmoid())
        else:  # mask logits or an RGB correction, added to a prior: start as "no correction"
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
        self.layers = nn.Sequential(*layers)

    def forward(self, lif: torch.Tensor, skips: list[torch.Tensor] | None = None) -> torch.Tensor:
        """``skips``: the encoder's maps (``LIFEncoder.forward_with_skips``), added after each
        upsampling of the same stride."""
        if not skips:
            return self.layers(lif)
        pending = list(skips)
        x = lif
        for layer in self.layers:
            x = layer(x)
            if isinstance(layer, nn.ReLU) and pending and pending[-1].shape[-3:] == x.shape[-3:]:
                x = x + pending.pop()
        return x


def composite(pred: torch.Tensor, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Keep the known pixels: ``pred`` inside the hole, ``image`` outside.

    ``pred``, ``image``: ``(B, 3, H, W)``; ``mask``: ``(B, 1, H, W)``, 1 = hole, 0 = known
    (soft values blend). Where ``mask == 0`` the result is ``image`` bit for bit.
    """
    return pred * mask + image * (1.0 - mask)
