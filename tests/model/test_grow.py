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


def test_a_model_given_the_flow_fill_s_candidates_fills_as_before_and_learns_to_read_them():
    from core.model.grow import with_candidate_inputs

    torch.manual_seed(0)
    model = build_model("tiny_residual", norm="group").eval()
    for p in model.parameters():
        p.data.add_(0.05 * torch.randn_like(p))
    grown = with_candidate_inputs(model, 5).eval()
    assert grown.config.candidate_inputs == 5 and grown.config.in_channels == 28
    target, keyframes, flows, consistency = _inputs()
    planes = torch.rand(2, 20, 48, 64)
    key_planes = torch.rand(2, 2, 20, 48, 64)
    with torch.no_grad():
        before = model(target, keyframes, flows, consistency)
        after = grown(torch.cat([target, planes], 1), torch.cat([keyframes, key_planes], 2), flows, consistency)
    assert torch.equal(before, after)  # the candidates' weights start at zero: exactly as before
    grown.train()
    grown(torch.cat([target, planes], 1), torch.cat([keyframes, key_planes], 2), flows,
          consistency).square().mean().backward()
    first = next(p for p in grown.parameters() if p.dim() == 4 and p.shape[1] == 28)
    assert first.grad[:, 8:].abs().sum() > 0  # ... and they learn


def test_only_a_flow_fill_correction_reads_candidates():
    from core.model.grow import with_candidate_inputs

    with pytest.raises(ValueError, match="residual_rgb"):
        with_candidate_inputs(build_model("tiny"), 5)


def test_a_model_that_weighs_the_candidates_starts_as_the_fill_and_its_weights_pick_a_candidate():
    from core.model.grow import with_candidate_inputs

    torch.manual_seed(0)
    model = build_model("tiny_residual", norm="group").eval()
    grown = with_candidate_inputs(model, 2, blend=True).eval()
    assert grown.config.candidate_blend and grown.config.decoder_channels == 5
    target = torch.zeros(1, 16, 16, 16)
    target[:, 3] = 1  # all hole
    target[:, 4:7] = 0.5  # the flow fill
    target[:, 8:11, :, :8] = 0.9  # candidate 0: 0.9, found on the left half
    target[:, 11, :, :8] = 1
    keyframes = torch.zeros(1, 0, 16, 16, 16)
    with torch.no_grad():
        assert torch.allclose(grown(target, keyframes), torch.full((1, 3, 16, 16), 0.5))
        last = grown.decoder.layers[-1]
        last.bias[3] = 1.0  # weight 1 on candidate 0
        out = grown(target, keyframes)
    assert torch.allclose(out[..., :8], torch.tensor(0.9)) and torch.allclose(out[..., 8:], torch.tensor(0.5))
    with pytest.raises(ValueError, match="weighs them"):
        with_candidate_inputs(grown, 2)
