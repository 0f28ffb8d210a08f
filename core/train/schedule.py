"""The optimizer and its learning-rate schedule: AdamW, linear warm-up, cosine decay.

The paper trains at a learning rate of 3.2e-4 with an effective batch of 32 (Supplementary A);
warm-up keeps the first steps of a freshly initialised attention stack from blowing up, and the
cosine ends at ``final_fraction`` of the peak so the last steps refine rather than jump.
"""

from __future__ import annotations

import math

import torch
from torch import nn

PAPER_LEARNING_RATE = 3.2e-4


def make_optimizer(model: nn.Module, lr: float, weight_decay: float = 0.01) -> torch.optim.AdamW:
    """AdamW; no weight decay on normalisation layers, biases and learned tokens (1-D or
    token-shaped parameters), as is usual for transformers."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if p.ndim <= 1 or "token" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.99))


def warmup_cosine(optimizer: torch.optim.Optimizer, steps: int, warmup: int,
                  final_fraction: float = 0.02) -> torch.optim.lr_scheduler.LambdaLR:
    """Learning rate x ``(step + 1) / warmup`` for the first ``warmup`` steps, then a cosine from
    1 down to ``final_fraction`` at ``steps``. Stepped once per optimizer step."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, steps, warmup, final_fraction))


def lr_factor(step: int, steps: int, warmup: int, final_fraction: float = 0.02) -> float:
    """The schedule's multiplier of the peak learning rate at optimizer step ``step`` (0-based)."""
    if step < warmup:
        return (step + 1) / warmup
    span = max(1, steps - warmup)
    progress = min(1.0, (step - warmup) / span)
    return final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * progress))


def default_warmup(steps: int) -> int:
    """5 % of the run, at most 500 steps, at least 1."""
    return max(1, min(500, steps // 20))
