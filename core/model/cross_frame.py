"""Cross-frame block (Sec. 3.3, Fig. 2): an intra-frame block whose GIF attention also looks at
the keyframes, followed by a deformable write from the keyframes into the target.

Our reading of Fig. 2 and Sec. 3.3 (the figure itself is not in the text):

- Every frame still goes through read -> local LIF blocks + GIF attention -> write, as in an
  intra-frame block; the block's weights are shared by the target and the keyframes.
- Keyframe tokens use self-attention only, ``A(g_src, {})``, so a keyframe never depends on the
  target or on the other keyframes (``forward_keyframes``). This lets a caller encode each
  keyframe once and reuse it for many targets.
- Target tokens use the same attention layer with the keys and values of
  ``[g_tgt, g_src,1 .. g_src,T]`` (``A(g_tgt, g_src)`` with all T keyframes concatenated). The
  keyframe tokens entering that layer are what the target attends to (the "context").
- With several GIF layers per block, only the first one is cross-frame (as in the release).
- The deformable write then adds the aligned keyframe LIF maps (as they leave this block) to the
  target's LIF map, once per cross-frame block, as in the paper's released code. Its
  projections of the keyframe maps are computed on the keyframe side (``forward_keyframes``).
"""

from __future__ import annotations

import torch

from .config import ModelConfig
from .deformable_write import DeformableWrite
from .intra_frame import IntraFrameBlock


class CrossFrameBlock(IntraFrameBlock):
    """One cross-frame block: an intra-frame block's layers (the same read, local blocks, GIF
    attention and write) plus a deformable write; see the module docstring for what it does to
    whom."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.deformable_write = (
            DeformableWrite(config.lif_channels, null_slot=config.deformable_null_slot)
            if config.use_deformable_write else None
        )

    def forward_keyframes(self, lif: torch.Tensor, gif: torch.Tensor, keyframes: int
                          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Keyframes, each on its own: ``lif (N, c, H, W)``, ``gif (N, M, d)``, N = B * T with
        ``T = keyframes``.

        Returns the updated ``lif`` and ``gif``; the ``context (B, T, M, d)``: the tokens the
        target's cross-attention concatenates to its own keys and values; and ``aligned
        (B, T, 2c, H, W)``: the outgoing LIF maps as the deformable write samples them
        (``DeformableWrite.project``; ``(B, T, 0, H, W)`` without a deformable write).
        """
        gif = self.read(lif, gif)
        context = gif
        lif = self.local(lif)
        for layer in self.attention:
            gif = layer(gif)
        lif = self.write(lif, gif)
        n, c, h, w = lif.shape
        per_frame = lif.view(n // keyframes, keyframes, c, h, w)
        if self.deformable_write is not None:
            aligned = self.deformable_write.project(per_frame)
        else:
            aligned = per_frame[:, :, :0]
        return lif, gif, context.view(n // keyframes, keyframes, *context.shape[1:]), aligned

    def forward(self, lif: torch.Tensor, gif: torch.Tensor, keyframe_context: torch.Tensor,
                keyframe_aligned: torch.Tensor, flows: torch.Tensor | None = None,
                consistency: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The target: ``lif (B, c, H, W)``, ``gif (B, M, d)`` -> same shapes.

        ``keyframe_context``: ``(B, T, M, d)`` and ``keyframe_aligned``: ``(B, T, 2c, H, W)``
        from ``forward_keyframes`` of this block; ``flows``: ``(B, T, 2, H, W)`` target ->
        keyframe in LIF pixels, or ``None`` to skip the deformable write; ``consistency``:
        ``(B, T, 1, H, W)`` 0..1 or ``None``. ``T = 0`` makes this an intra-frame block.
        """
        b, t, m, d = keyframe_context.shape
        gif = self.read(lif, gif)
        lif = self.local(lif)
        context = keyframe_context.reshape(b, t * m, d) if t else None
        for i, layer in enumerate(self.attention):
            gif = layer(gif, context if i == 0 else None)
        lif = self.write(lif, gif)
        if self.deformable_write is not None and flows is not None and t:
            lif = self.deformable_write.fuse(lif, keyframe_aligned, flows, consistency)
        return lif, gif
