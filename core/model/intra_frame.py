"""Intra-frame block (Sec. 3.2, Fig. 2): read -> local LIF + global GIF interactions -> write.

Every frame is processed on its own: frames are just the batch dimension here.
"""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig
from .ffc import local_interaction
from .gif import GIFAttention
from .read_write import Read, Write


class IntraFrameBlock(nn.Module):
    """``lif (N, c, H, W)``, ``gif (N, M, d)`` -> same shapes.

    The read sees the LIF map entering the block; the write gates with the LIF map after the
    local residual blocks and writes the GIF tokens after the attention layers.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c, d, m = config.lif_channels, config.gif_dim, config.gif_tokens_side
        self.read = Read(c, d, m, config.read_heads)
        self.local = local_interaction(c, use_ffc=config.use_ffc,
                                       global_ratio=config.ffc_global_ratio,
                                       blocks=config.lif_res_blocks_per_block)
        self.attention = nn.ModuleList(
            GIFAttention(d, config.attention_heads, config.mlp_ratio)
            for _ in range(config.gif_layers_per_block)
        )
        self.write = Write(c, d, m, config.write_heads)

    def forward(self, lif: torch.Tensor, gif: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        gif = self.read(lif, gif)
        lif = self.local(lif)
        for layer in self.attention:
            gif = layer(gif)
        return self.write(lif, gif), gif
