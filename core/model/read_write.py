"""Read (Eq. 1) and write (Eq. 2): exchanging features between the LIF and GIF streams.

The ``(H, W)`` LIF map is divided into ``m x m`` equal patches; patch ``j`` (row-major) belongs
to GIF token ``j``. When ``H`` or ``W`` is not a multiple of ``m``, the map is bilinearly resized
to the closest multiple (at least ``m``) for the operation, and the write result is resized back.

Read, per head ``h``:   ``read_h(P_j) = softmax_over_positions(P_j W_S,h) (P_j W_V,h)``,
    heads concatenated -> LayerNorm -> Linear -> added to the GIF token.
Write, per head ``h``:  ``write_h(P_j, G_j) = sigmoid(P_j W_S,h) (G_j W_V,h)``,
    heads concatenated -> LayerNorm over channels -> 1x1 conv -> added to the LIF map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def patch_grid_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The closest ``(H, W)`` divisible by ``side`` (and at least ``side``) to ``size``; ties
    round up, losing no rows or columns."""
    return tuple(max(side, side * int(n / side + 0.5)) for n in size)  # type: ignore[return-value]


def resize_to(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of ``(N, C, H, W)`` to ``size``; the identity when the size matches."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of every pixel of an ``(N, C, H, W)`` map."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class Read(nn.Module):
    """LIF ``(N, c, H, W)`` + GIF ``(N, M, d)`` -> updated GIF ``(N, M, d)``, M = m**2."""

    def __init__(self, lif_channels: int, gif_dim: int, tokens_side: int, heads: int) -> None:
        super().__init__()
        self.side = tokens_side
        self.heads = heads
        # A constant added to a softmax's logits cancels: no bias on the scores.
        self.score = nn.Conv2d(lif_channels, heads, kernel_size=1, bias=False)  # W_S per head
        self.value = nn.Conv2d(lif_channels, gif_dim, kernel_size=1)  # W_V, d/heads per head
        self.norm = nn.LayerNorm(gif_dim)
        self.proj = nn.Linear(gif_dim, gif_dim)

    def forward(self, lif: torch.Tensor, gif: torch.Tensor) -> torch.Tensor:
        return gif + self.proj(self.norm(self.gather(lif)))

    def gather(self, lif: torch.Tensor) -> torch.Tensor:
        """The raw read of Eq. 1, heads concatenated: ``(N, c, H, W)`` -> ``(N, M, d)``."""
        lif = resize_to(lif, patch_grid_size(lif.shape[-2:], self.side))
        n, _, h, w = lif.shape
        m, heads = self.side, self.heads
        ph, pw = h // m, w // m
        scores = self.score(lif).view(n, heads, m, ph, m, pw)
        scores = scores.permute(0, 1, 2, 4, 3, 5).reshape(n, heads, m * m, ph * pw)
        weights = scores.softmax(dim=-1)  # over the positions of each patch
        values = self.value(lif)
        dh = values.shape[1] // heads
        values = values.view(n, heads, dh, m, ph, m, pw)
        values = values.permute(0, 1, 3, 5, 4, 6, 2).reshape(n, heads, m * m, ph * pw, dh)
        read = torch.einsum("nhjp,nhjpd->njhd", weights, values)
        return read.reshape(n, m * m, heads * dh)


class Write(nn.Module):
    """LIF ``(N, c, H, W)`` + GIF ``(N, M, d)`` -> updated LIF ``(N, c, H, W)``, M = m**2."""

    def __init__(self, lif_channels: int, gif_dim: int, tokens_side: int, heads: int) -> None:
        super().__init__()
        self.side = tokens_side
        self.heads = heads
        self.score = nn.Conv2d(lif_channels, heads, kernel_size=1)  # W_S per head
        self.value = nn.Linear(gif_dim, lif_channels)  # W_V, c/heads per head
        self.norm = ChannelLayerNorm(lif_channels)
        self.proj = nn.Conv2d(lif_channels, lif_channels, kernel_size=1)

    def forward(self, lif: torch.Tensor, gif: torch.Tensor) -> torch.Tensor:
        return lif + self.proj(self.norm(self.scatter(lif, gif)))

    def scatter(self, lif: torch.Tensor, gif: torch.Tensor) -> torch.Tensor:
        """The raw write of Eq. 2, heads concatenated: ``(N, c, H, W)`` (LIF's size)."""
        size = lif.shape[-2:]
        lif = resize_to(lif, patch_grid_size(size, self.side))
        n, _, h, w = lif.shape
        m, heads = self.side, self.heads
        ph, pw = h // m, w // m
        gates = torch.sigmoid(self.score(lif)).view(n, heads, 1, m, ph, m, pw)
        values = self.value(gif)  # (N, M, c)
        ch = values.shape[-1] // heads
        values = values.view(n, m, m, heads, ch).permute(0, 3, 4, 1, 2)  # (N, heads, ch, m, m)
        written = gates * values.reshape(n, heads, ch, m, 1, m, 1)  # broadcast over each patch
        written = written.reshape(n, heads * ch, h, w)
        return resize_to(written, tuple(size))
