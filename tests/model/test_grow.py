"""A trained model grown deeper (core/model/grow.py) fills as before and can learn with its new blocks."""

import pytest
import torch

from core.model import build_model
from core.model.grow import deepened


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(2, 8, 48, 64, generator=g)
    target[:, 3] = (target[:, 3] > 0.6).float()
    keyframes = torch.rand(2, 2, 8, 48, 64, generator=g)
    keyframes[:, :, 3] = 0
    flows = torch.randn(2, 2, 2, 48, 64, generator=g)
    return target, keyframes, flows, torch.ones(2, 2, 1, 48, 64)


def test_a_deepened_model_fills_as_the_trained_one_and_its_new_blocks_learn():
    torch.manual_seed(0)
    model = build_model("tiny_residual", norm="group").eval()
    for p in model.parameters():  # a "trained" model: no zero-initialised output left
        p.data.add_(0.05 * torch.randn_like(p))
    grown = deepened(model, 2).eval()
    assert grown.config.lif_res_blocks_per_block == 2
    assert sum(p.numel() for p in grown.parameters()) > sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        before, after = model(*_inputs()), grown(*_inputs())
    assert (before - after).abs().max() < 0.02  # the new blocks start near the identity
    new = dict(grown.named_parameters())["intra_blocks.0.local.1.ffc2.norm_local.weight"]
    grown.train()
    grown(*_inputs()).square().mean().backward()
    assert new.grad is not None and new.grad.abs().sum() > 0  # ... and are not stuck there


def test_a_model_is_never_made_shallower():
    with pytest.raises(ValueError, match="already has 2"):
        deepened(deepened(build_model("tiny_residual"), 2), 1)
