"""The keyframe propagation network (Fig. 2) and its builders.

Order of operations:

1. LIF encoder on every frame on its own; GIF tokens initialised from the learned tokens.
2. ``intra_blocks`` intra-frame blocks on every frame on its own.
3. ``cross_blocks`` cross-frame blocks: keyframes self-attend (independent of the target), the
   target attends to itself and all keyframes, then a deformable write adds the flow-aligned
   keyframe LIF maps to the target's (when flows are given).
4. LIF decoder on the target; known target pixels are composited back.

Because the keyframes never depend on the target, their part is a separate step,
``encode_keyframes``, whose ``KeyframeMemory`` can serve many targets; ``forward`` is simply
``propagate(target, encode_keyframes(keyframes), ...)``. In training mode BatchNorm statistics
are taken over the keyframes and over the targets separately.

Inputs are RGB in 0..1 (zeroed or not inside the hole: the network sees the mask) followed by
the mask (1 = hole), any ``H x W``: frames are padded (replicate) to a multiple of the stride
and at least two LIF pixels, and the result is cropped back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from core.errors import ModelError

from .config import PRESETS, ModelConfig
from .cross_frame import CrossFrameBlock
from .deformable_write import resize_consistency, resize_flow
from .gif import GIFTokens
from .intra_frame import IntraFrameBlock
from .lif import LIFDecoder, LIFEncoder, composite
from .norm import use_group_norm


@dataclass
class KeyframeMemory:
    """What targets need from ``T`` keyframes, one entry per cross-frame block.

    ``context[k]``: ``(B, T, M, d)`` keyframe tokens the target attends to in block ``k``;
    ``aligned[k]``: ``(B, T, 2c, h, w)`` keyframe LIF maps leaving block ``k``, projected for
    its deformable write (``(B, T, 0, h, w)`` when the model has none);
    ``frame_size``: the keyframes' input ``(H, W)`` in pixels. Keyframes are independent of each
    other, so memories can be sliced (``select``) and joined (``cat``) along ``T``.
    """

    context: list[torch.Tensor]
    aligned: list[torch.Tensor]
    frame_size: tuple[int, int]

    @property
    def count(self) -> int:
        return self.context[0].shape[1] if self.context else 0

    def select(self, indices: Sequence[int]) -> KeyframeMemory:
        index = torch.as_tensor(list(indices), dtype=torch.long)
        return dataclasses.replace(
            self,
            context=[x.index_select(1, index.to(x.device)) for x in self.context],
            aligned=[x.index_select(1, index.to(x.device)) for x in self.aligned],
        )

    @staticmethod
    def cat(memories: Sequence[KeyframeMemory]) -> KeyframeMemory:
        if not memories:
            raise ValueError("KeyframeMemory.cat needs at least one memory")
        sizes = {m.frame_size for m in memories}
        if len(sizes) != 1:
            raise ValueError(f"keyframes of different sizes: {sorted(sizes)}")
        return KeyframeMemory(
            context=[torch.cat(xs, dim=1) for xs in zip(*(m.context for m in memories))],
            aligned=[torch.cat(xs, dim=1) for xs in zip(*(m.aligned for m in memories))],
            frame_size=memories[0].frame_size,
        )


class KeyframePropagationNet(nn.Module):
    """The two-stream (LIF/GIF) network of Esser et al., Fig. 2; see the module docstring."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = LIFEncoder(config)
        self.gif_tokens = GIFTokens(config.gif_tokens, config.gif_dim)
        self.intra_blocks = nn.ModuleList(IntraFrameBlock(config)
                                          for _ in range(config.intra_blocks))
        self.cross_blocks = nn.ModuleList(CrossFrameBlock(config)
                                          for _ in range(config.cross_blocks))
        self.decoder = LIFDecoder(config)
        if config.norm == "group":
            use_group_norm(self)

    def forward(self, target: torch.Tensor, keyframes: torch.Tensor | None = None,
                flows: torch.Tensor | None = None, consistency: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Inpaint ``target`` with context from ``keyframes``.

        ``target``: ``(B, 4, H, W)``; ``keyframes``: ``(B, T, 4, H, W)``, ``T >= 0``, or ``None``
        (single-image inpainting); ``flows``: ``(B, T, 2, H, W)`` target -> keyframe in input
        pixels, or ``None`` (no deformable write, attention only); ``consistency``:
        ``(B, T, 1, H, W)`` 0..1, or ``None`` (all 1). Returns RGB ``(B, 3, H, W)`` in 0..1,
        equal to the target's RGB wherever its mask is 0.
        """
        if keyframes is None:
            b, c, h, w = target.shape
            keyframes = target.new_zeros(b, 0, c, h, w)
        return self.propagate(target, self.encode_keyframes(keyframes), flows, consistency)

    def encode_keyframes(self, keyframes: torch.Tensor) -> KeyframeMemory:
        """``(B, T, 4, H, W)`` keyframes -> their ``KeyframeMemory`` (each keyframe on its own)."""
        b, t, cin, h, w = keyframes.shape
        self._check_channels(cin)
        cfg = self.config
        if t == 0:
            lh, lw = (n // cfg.stride for n in _padded_size((h, w), cfg.stride))
            channels = 2 * cfg.lif_channels if cfg.use_deformable_write else 0
            context = keyframes.new_zeros(b, 0, cfg.gif_tokens, cfg.gif_dim)
            aligned = keyframes.new_zeros(b, 0, channels, lh, lw)
            return KeyframeMemory([context] * cfg.cross_blocks, [aligned] * cfg.cross_blocks,
                                  (h, w))
        lif, gif = self._encode(_pad(keyframes.reshape(b * t, cin, h, w), cfg.stride))
        contexts, aligned_maps = [], []
        for block in self.cross_blocks:
            lif, gif, context, aligned = block.forward_keyframes(lif, gif, t)
            contexts.append(context)
            aligned_maps.append(aligned)
        return KeyframeMemory(contexts, aligned_maps, (h, w))

    def propagate(self, target: torch.Tensor, memory: KeyframeMemory,
                  flows: torch.Tensor | None = None, consistency: torch.Tensor | None = None
                  ) -> torch.Tensor:
        """Inpaint ``target (B, 4, H, W)`` from encoded keyframes; arguments as in ``forward``."""
        b, cin, h, w = target.shape
        self._check_channels(cin)
        if memory.frame_size != (h, w):
            raise ValueError(f"keyframes are {memory.frame_size}, target is {(h, w)}")
        t = memory.count
        if memory.context and memory.context[0].shape[0] != b:
            raise ValueError(f"keyframe batch {memory.context[0].shape[0]} != target batch {b}")
        if flows is not None and flows.shape != (b, t, 2, h, w):
            raise ValueError(f"flows must be {(b, t, 2, h, w)}, got {tuple(flows.shape)}")
        if consistency is not None and consistency.shape != (b, t, 1, h, w):
            raise ValueError(f"consistency must be {(b, t, 1, h, w)}, "
                             f"got {tuple(consistency.shape)}")

        stride = self.config.stride
        skips: list[torch.Tensor] = []
        lif, gif = self._encode(_pad(target, stride), skips if self.config.decoder_skips else None)
        lif_size = tuple(lif.shape[-2:])
        lif_flows = lif_consistency = None
        if flows is not None and t:
            lif_flows = resize_flow(_pad(flows, stride), lif_size)
            if consistency is not None:
                lif_consistency = resize_consistency(_pad(consistency, stride), lif_size)
        for block, context, aligned in zip(self.cross_blocks, memory.context, memory.aligned):
            lif, gif = block(lif, gif, context, aligned, lif_flows, lif_consistency)
        pred = self.decoder(lif, skips)[..., :h, :w]
        if self.config.output == "mask_logits":
            return pred
        if self.config.output == "residual_rgb":
            return composite(self.corrected(pred, target), target[:, :3], target[:, 3:4])
        out = self.config.out_channels
        return composite(pred, target[:, :out], target[:, -1:])

    def corrected(self, correction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """A ``residual_rgb`` model's prediction before compositing: the prealigned RGB (target
        channels 4..6) plus the decoder's ``correction`` (its first 3 channels), in 0..1;
        with ``candidate_blend`` the candidates (target channels 8..) weighted by its other
        channels are added first. ``(B, 3, H, W)``."""
        fill = target[:, 4:7]
        if self.config.candidate_blend:
            k = self.config.candidate_inputs
            b, _, h, w = target.shape
            planes = target[:, 8:8 + 4 * k].reshape(b, k, 4, h, w)
            found = planes[:, :, 3:4]
            away = planes[:, :, :3] - found * fill[:, None]  # found * (candidate - fill)
            fill = fill + (correction[:, 3:3 + k, None] * away).sum(dim=1)
        return (fill + correction[:, :3]).clamp(0, 1)

    def _encode(self, frames: torch.Tensor, skips: list[torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, C, H, W)`` padded frames -> LIF ``(N, c, H/s, W/s)``, GIF ``(N, M, d)`` after
        the intra-frame blocks; ``skips``, when given, receives the encoder's finer maps."""
        if skips is not None:
            lif, found = self.encoder.forward_with_skips(frames)
            skips.extend(found)
        else:
            lif = self.encoder(frames)
        gif = self.gif_tokens(frames.shape[0])
        for block in self.intra_blocks:
            lif, gif = block(lif, gif)
        return lif, gif

    def _check_channels(self, channels: int) -> None:
        if channels != self.config.in_channels:
            what = "RGB + mask" if self.config.output != "residual_rgb" else \
                "RGB, hole, prealigned RGB, confidence" + (
                    f", {self.config.candidate_inputs} candidates" if self.config.candidate_inputs else "")
            raise ValueError(f"expected {self.config.in_channels} input channels "
                             f"({what}), got {channels}")


def build_model(name: str = "base", **overrides) -> KeyframePropagationNet:
    """A fresh model of size ``name`` ("tiny", "base" or "big"); ``overrides`` change
    ``ModelConfig`` fields, e.g. ``build_model("base", use_ffc=False)``."""
    if name not in PRESETS:
        raise ModelError(f"Unknown model size {name!r}: use one of {', '.join(PRESETS)}.")
    return KeyframePropagationNet(PRESETS[name]().replace(**overrides))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _padded_size(size: tuple[int, int], stride: int) -> tuple[int, int]:
    # At least two LIF pixels per axis: reflect padding of the 3x3 convolutions needs them.
    return tuple(max(2 * stride, -(-n // stride) * stride) for n in size)  # type: ignore


def _pad(x: torch.Tensor, stride: int) -> torch.Tensor:
    """Replicate-pad ``(..., C, H, W)`` at the bottom and right to ``_padded_size``."""
    h, w = x.shape[-2:]
    ph, pw = _padded_size((h, w), stride)
    if (ph, pw) == (h, w):
        return x
    lead = x.shape[:-3]
    flat = x.reshape(-1, *x.shape[-3:])
    flat = F.pad(flat, (0, pw - w, 0, ph - h), mode="replicate")
    return flat.reshape(*lead, *flat.shape[-3:])
