"""The keyframe propagation network of Esser et al., "Towards Unified Keyframe Propagation
Models" (two streams: locally interacting LIF features, globally interacting GIF tokens).

One file per part of the paper: ``lif`` (encoder/decoder, Sec. 3.1), ``gif`` (tokens and
attention), ``read_write`` (Eq. 1, 2), ``ffc`` (local interactions), ``intra_frame`` (Sec. 3.2),
``cross_frame`` and ``deformable_write`` (Sec. 3.3), ``network`` (Fig. 2), plus ``config``,
``checkpoint`` and ``device``. Nothing here imports Qt.
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .config import PRESETS, ModelConfig
from .cross_frame import CrossFrameBlock
from .deformable_write import (DeformableWrite, resize_consistency, resize_flow,
                               sample_keyframes)
from .device import autocast, autocast_dtype, native_cpu_bfloat16, pick_device
from .ffc import FFC, ConvResBlock, FFCResBlock, FourierUnit, SpectralTransform
from .gif import GIFAttention, GIFTokens
from .intra_frame import IntraFrameBlock
from .lif import LIFDecoder, LIFEncoder, composite
from .network import KeyframeMemory, KeyframePropagationNet, build_model, count_parameters
from .read_write import Read, Write, patch_grid_size

__all__ = [
    "PRESETS", "ModelConfig", "build_model", "count_parameters",
    "KeyframePropagationNet", "KeyframeMemory",
    "LIFEncoder", "LIFDecoder", "composite",
    "GIFTokens", "GIFAttention", "Read", "Write", "patch_grid_size",
    "FFC", "FFCResBlock", "ConvResBlock", "FourierUnit", "SpectralTransform",
    "IntraFrameBlock", "CrossFrameBlock",
    "DeformableWrite", "sample_keyframes", "resize_flow", "resize_consistency",
    "save_checkpoint", "load_checkpoint", "pick_device", "autocast", "autocast_dtype",
    "native_cpu_bfloat16",
]
