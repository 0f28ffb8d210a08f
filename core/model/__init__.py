"""The keyframe propagation network of Esser et al., "Towards Unified Keyframe Propagation
Models" (two streams: locally interacting LIF features, globally interacting GIF tokens).

One file per part of the paper: ``lif`` (encoder/decoder, Sec. 3.1), ``gif`` (tokens and
attention), ``read_write`` (Eq. 1, 2), ``ffc`` (local interactions), ``intra_frame`` (Sec. 3.2),
``cross_frame`` and ``deformable_write`` (Sec. 3.3), ``network`` (Fig. 2), plus ``config``,
``checkpoint``, ``device`` and ``weights`` (the registry of the checkpoints Keyfill loads).
Nothing here imports Qt.

The names below are imported on first use (PEP 562), so that ``core.model.weights`` (torch-free,
imported by the window's UI thread through the model finders) does not load torch with its
package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "checkpoint": ("load_checkpoint", "save_checkpoint"),
    "config": ("PRESETS", "ModelConfig"),
    "cross_frame": ("CrossFrameBlock",),
    "deformable_write": ("DeformableWrite", "resize_consistency", "resize_flow", "sample_keyframes"),
    "device": ("autocast", "autocast_dtype", "native_cpu_bfloat16", "pick_device"),
    "ffc": ("FFC", "ConvResBlock", "FFCResBlock", "FourierUnit", "SpectralTransform"),
    "gif": ("GIFAttention", "GIFTokens"),
    "intra_frame": ("IntraFrameBlock",),
    "lif": ("LIFDecoder", "LIFEncoder", "composite"),
    "network": ("KeyframeMemory", "KeyframePropagationNet", "build_model", "count_parameters"),
    "read_write": ("Read", "Write", "patch_grid_size"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

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
assert sorted(__all__) == sorted(_MODULE_OF)  # one list of names, kept in step with _EXPORTS


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what the names are, for readers and type checkers
    from .checkpoint import load_checkpoint, save_checkpoint
    from .config import PRESETS, ModelConfig
    from .cross_frame import CrossFrameBlock
    from .deformable_write import DeformableWrite, resize_consistency, resize_flow, sample_keyframes
    from .device import autocast, autocast_dtype, native_cpu_bfloat16, pick_device
    from .ffc import FFC, ConvResBlock, FFCResBlock, FourierUnit, SpectralTransform
    from .gif import GIFAttention, GIFTokens
    from .intra_frame import IntraFrameBlock
    from .lif import LIFDecoder, LIFEncoder, composite
    from .network import KeyframeMemory, KeyframePropagationNet, build_model, count_parameters
    from .read_write import Read, Write, patch_grid_size
