"""Every hyper-parameter of the keyframe propagation network, in one small dataclass.

A checkpoint stores ``config.to_dict()`` next to its weights, so a model can always be rebuilt
exactly as it was trained. Three presets:

- ``tiny``: for tests; a forward and backward pass at 64x64 take a fraction of a second on 2 CPU
  cores.
- ``base``: the model Keyfill ships. Small enough to train on a laptop CPU in about an hour and to
  stay well under 50 MB on disk.
- ``big``: the paper's "Ours (big)" (Esser et al., Supplementary A and the released config):
  64 channels at full resolution, 512 at stride 8, 16x16 GIF tokens, 12 intra-frame blocks and
  2 cross-frame blocks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


OUTPUTS = ("rgb", "mask_logits", "residual_rgb")
NORMS = ("batch", "group")


@dataclass(frozen=True)
class ModelConfig:
    # Inputs and outputs: masked RGB (0..1) + mask (1 = hole) in, RGB (0..1) out.
    in_channels: int = 4
    out_channels: int = 3
    # "rgb": inpainting (sigmoid RGB, known pixels composited back). "mask_logits": rotoscoping
    # (target RGB + a prior matte in, one channel of logits out, nothing composited; the last
    # layer starts at zero so an untrained model adds nothing to the prior). "residual_rgb":
    # inpainting on top of the classical fill ("+prealign" as input, issue 13): the target is
    # masked RGB, hole, the flow fill's RGB and its confidence (8 channels); the output is the
    # flow fill plus a correction whose last layer starts at zero, so an untrained model returns
    # the flow fill exactly.
    output: str = "rgb"
    # A residual_rgb model may also read the flow fill's K candidates per hole pixel (4 channels
    # each: RGB where found, found; ``core.model.inputs``), not only their median: then
    # ``in_channels`` is 8 + 4 K.
    candidate_inputs: int = 0
    # With candidate inputs, the decoder also gives one weight per candidate and the prediction is
    # ``fill + sum_k w_k found_k (candidate_k - fill) + correction`` (all weights start at zero):
    # choosing or mixing the candidates per pixel is then one multiplication away, which a stack
    # of convolutions and ReLUs would otherwise have to approximate.
    candidate_blend: bool = False
    # Decoder skip connections: the encoder's map at each stride is added to the decoder's, so
    # the output keeps full-resolution detail (a correction of the prealigned pixels needs it).
    decoder_skips: bool = False

    # LIF stream (Sec. 3.1): channels double at each stride-2 convolution, so the LIF map has
    # ``base_channels * 2**downsamplings`` channels at stride ``2**downsamplings``.
    base_channels: int = 32
    downsamplings: int = 3

    # GIF stream (Sec. 3.1): M = gif_tokens_side**2 learned tokens of gif_dim channels.
    gif_tokens_side: int = 8
    gif_dim: int = 256

    # Heads of the read (Eq. 1), write (Eq. 2) and GIF attention operations.
    read_heads: int = 8
    write_heads: int = 8
    attention_heads: int = 8
    mlp_ratio: float = 2.0  # hidden width of the GIF MLP, in multiples of gif_dim

    # Blocks (Sec. 3.2, 3.3): intra-frame blocks run on every frame on its own, then the
    # cross-frame blocks exchange information between the target and its keyframes.
    intra_blocks: int = 4
    cross_blocks: int = 2
    # Inside each block: residual blocks on the LIF stream and attention layers on the GIF stream
    # (the released code uses two of each; in a cross-frame block only the first attention layer
    # looks at the keyframes).
    lif_res_blocks_per_block: int = 1
    gif_layers_per_block: int = 1

    # Local interactions: FFC residual blocks (LaMa) or plain 3x3 residual blocks ("w/o FFC").
    use_ffc: bool = True
    ffc_global_ratio: float = 0.75  # share of LIF channels in the FFC's global (spectral) branch

    # Deformable write (Sec. 3.3) after every cross-frame block. ``deformable_null_slot`` adds a
    # learned "use no keyframe" option to the softmax over keyframes (value 0), so a single,
    # wrongly aligned keyframe can be ignored; the paper's formula is the case without it.
    use_deformable_write: bool = True
    deformable_null_slot: bool = True

    # Normalisation of the convolutional layers (``core.model.norm``): "batch" (LaMa, the paper)
    # or "group", which does not depend on the rest of the batch, so a model trained on batches
    # of crops behaves the same on one whole frame.
    norm: str = "batch"

    def __post_init__(self) -> None:
        checks = [
            (self.in_channels > 0 and self.out_channels > 0, "channels must be positive"),
            (self.base_channels > 0, "base_channels must be positive"),
            (self.downsamplings >= 1, "downsamplings must be at least 1"),
            (self.gif_tokens_side >= 1, "gif_tokens_side must be at least 1"),
            (self.gif_dim % self.read_heads == 0, "gif_dim must be divisible by read_heads"),
            (self.gif_dim % self.attention_heads == 0,
             "gif_dim must be divisible by attention_heads"),
            (self.lif_channels % self.write_heads == 0,
             "lif_channels must be divisible by write_heads"),
            (self.intra_blocks >= 0 and self.cross_blocks >= 0, "block counts must be >= 0"),
            (self.lif_res_blocks_per_block >= 1 and self.gif_layers_per_block >= 1,
             "each block needs at least one LIF residual block and one GIF layer"),
            (0.0 < self.ffc_global_ratio < 1.0, "ffc_global_ratio must be in (0, 1)"),
            (self.mlp_ratio > 0, "mlp_ratio must be positive"),
            (self.output in OUTPUTS, f"output must be one of {', '.join(OUTPUTS)}"),
            (self.norm in NORMS, f"norm must be one of {', '.join(NORMS)}"),
            (self.candidate_inputs >= 0, "candidate_inputs must be >= 0"),
            (not self.candidate_blend or self.candidate_inputs > 0,
             "candidate_blend needs candidate_inputs"),
            (self.output != "residual_rgb"
             or (self.in_channels == 8 + 4 * self.candidate_inputs and self.out_channels == 3),
             "a residual_rgb model reads 8 channels (RGB, hole, prealigned RGB, confidence) "
             "and 4 per candidate, and writes 3"),
            (self.output != "mask_logits" or self.out_channels == 1,
             "a mask_logits model has one output channel"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"invalid ModelConfig: {message} ({self})")

    # Derived sizes -----------------------------------------------------------------------------

    @property
    def stride(self) -> int:
        """Input pixels per LIF pixel along each axis (8 in the paper)."""
        return 2**self.downsamplings

    @property
    def decoder_channels(self) -> int:
        """Channels of the decoder's last layer: the output, and a weight per candidate when
        ``candidate_blend``."""
        return self.out_channels + (self.candidate_inputs if self.candidate_blend else 0)

    @property
    def lif_channels(self) -> int:
        """Channels c of the LIF map."""
        return self.base_channels * self.stride

    @property
    def gif_tokens(self) -> int:
        """Number M = m**2 of GIF tokens per frame."""
        return self.gif_tokens_side**2

    # Serialisation -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain ``{field: value}`` (ints, floats, bools, strings): safe for ``weights_only`` loading."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        """Inverse of ``to_dict``. Unknown keys raise ``KeyError``; missing keys take defaults."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise KeyError(f"unknown ModelConfig fields: {', '.join(unknown)}")
        return cls(**values)

    def replace(self, **changes: Any) -> ModelConfig:
        return dataclasses.replace(self, **changes)

    def with_candidates(self, count: int, *, blend: bool = False) -> ModelConfig:
        """This residual_rgb config reading ``count`` flow-fill candidates (and weighing them with
        ``blend``): the input channels follow."""
        return self.replace(candidate_inputs=count, candidate_blend=blend, in_channels=8 + 4 * count)

    # Presets -----------------------------------------------------------------------------------

    @classmethod
    def tiny(cls) -> ModelConfig:
        """For tests: 8 -> 64 channels, 4x4 GIF tokens of 32 channels, 1 + 1 blocks."""
        return cls(
            base_channels=8, gif_tokens_side=4, gif_dim=32,
            read_heads=4, write_heads=4, attention_heads=4,
            intra_blocks=1, cross_blocks=1,
        )

    @classmethod
    def base(cls) -> ModelConfig:
        """Shipped: 32 -> 256 channels, 8x8 GIF tokens of 256 channels, 4 + 2 blocks."""
        return cls()

    @classmethod
    def big(cls) -> ModelConfig:
        """The paper's "Ours (big)": 64 -> 512 channels, 16x16 tokens of 512, 12 + 2 blocks."""
        return cls(
            base_channels=64, gif_tokens_side=16, gif_dim=512,
            intra_blocks=12, cross_blocks=2,
            lif_res_blocks_per_block=2, gif_layers_per_block=2, mlp_ratio=1.0,
            deformable_null_slot=False,
        )


    @classmethod
    def roto(cls) -> ModelConfig:
        """The shipped rotoscoping model: 16 -> 128 channels, 4x4 GIF tokens of 128 channels,
        2 + 2 blocks; mask logits out. Small enough to train on two CPU cores."""
        return cls(
            out_channels=1, output="mask_logits",
            base_channels=16, gif_tokens_side=4, gif_dim=128,
            read_heads=4, write_heads=4, attention_heads=4,
            intra_blocks=2, cross_blocks=2,
        )


    @classmethod
    def cpu(cls) -> ModelConfig:
        """The shipped removal model (issue 13): a correction of the classical flow fill small
        enough to train on two CPU cores. 16 -> 128 channels at stride 8, 4x4 GIF tokens of 128
        channels, 2 intra-frame + 2 cross-frame blocks, decoder skips; 8 channels in, and 4 for
        each of the flow fill's 5 candidates, which it weighs (since stop 21)."""
        return cls(
            in_channels=28, output="residual_rgb", decoder_skips=True, norm="group",
            candidate_inputs=5, candidate_blend=True,
            base_channels=16, gif_tokens_side=4, gif_dim=128,
            read_heads=4, write_heads=4, attention_heads=4,
            intra_blocks=2, cross_blocks=2,
        )

    @classmethod
    def tiny_residual(cls) -> ModelConfig:
        """``tiny`` with the ``cpu`` preset's inputs and outputs, for tests."""
        return cls.tiny().replace(in_channels=8, output="residual_rgb", decoder_skips=True)


PRESETS = {"tiny": ModelConfig.tiny, "base": ModelConfig.base, "big": ModelConfig.big,
           "roto": ModelConfig.roto, "cpu": ModelConfig.cpu,
           "tiny_residual": ModelConfig.tiny_residual}
