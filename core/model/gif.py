"""The GIF stream (Sec. 3.1-3.3): learned initial tokens and pre-norm transformer attention.

The M = m**2 initial tokens are learned parameters shared by every frame; because token ``j``
always reads from and writes to patch ``j`` of its frame, they double as positional encoding.
``GIFAttention`` is one transformer layer. Given a ``context`` it computes the cross-frame
attention of Sec. 3.3,
``A(g_tgt, g_src) = softmax(q(g_tgt) k([g_tgt, g_src])^T) v([g_tgt, g_src])``,
with the same weights it uses for self-attention ``A(g_src, {})`` on the keyframes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class GIFTokens(nn.Module):
    """Learned initial GIF tokens ``h_GIF^0``: ``batch`` -> ``(batch, M, d)``."""

    def __init__(self, tokens: int, dim: int) -> None:
        super().__init__()
        self.tokens = nn.Parameter(torch.empty(tokens, dim))
        nn.init.trunc_normal_(self.tokens, std=0.02)

    def forward(self, batch: int) -> torch.Tensor:
        return self.tokens.unsqueeze(0).expand(batch, -1, -1)


class GIFAttention(nn.Module):
    """Pre-norm multi-head attention + MLP on ``(N, L, d)`` tokens.

    ``context``: optional ``(N, Lc, d)`` extra tokens whose keys and values are concatenated to
    the tokens' own (the queries still come from the tokens only). Output: ``(N, L, d)``.
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 2.0) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.query = nn.Linear(dim, dim)
        self.key_value = nn.Linear(dim, 2 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        hidden = max(1, round(dim * mlp_ratio))
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        n, length, dim = x.shape
        h = self.norm1(x)
        sources = h if context is None or context.shape[1] == 0 else torch.cat(
            (h, self.norm1(context)), dim=1)
        q = self.query(h).view(n, length, self.heads, -1).transpose(1, 2)
        k, v = self.key_value(sources).view(n, sources.shape[1], 2, self.heads, -1).permute(
            2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v)  # (N, heads, L, d/heads)
        x = x + self.proj(attended.transpose(1, 2).reshape(n, length, dim))
        return x + self.mlp(self.norm2(x))
