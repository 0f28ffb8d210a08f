"""Which normalisation the convolutional layers use: BatchNorm (LaMa's and the paper's) or
GroupNorm.

BatchNorm makes a model's output depend on what else is in the batch. In training, the
targets and the keyframes are normalised separately (their own batch statistics); in use, one
frame at a time, both share running averages that match neither. The ``residual_rgb`` removal
model, trained on small batches of crops and run on whole frames, lost 0.9 dB of hole PSNR
that way (issue 13: 0.91 of the flow fill's squared error on training batches, 1.01 on the
same batches in eval mode). GroupNorm normalises each sample on its own, so training and use
see the same thing.
"""

from __future__ import annotations

import math

from torch import nn

GROUPS = 8  # at most; fewer where the channels do not divide


def use_group_norm(module: nn.Module) -> nn.Module:
    """Replace every ``BatchNorm2d`` inside ``module`` by a ``GroupNorm`` of the same channels
    (affine, ``gcd(channels, 8)`` groups), in place; returns ``module``."""
    for name, child in list(module.named_children()):
        if isinstance(child, nn.BatchNorm2d):
            channels = child.num_features
            setattr(module, name, nn.GroupNorm(math.gcd(channels, GROUPS), channels))
        else:
            use_group_norm(child)
    return module
