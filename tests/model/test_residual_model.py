"""The removal model on top of the flow fill ("residual_rgb", issue 13): an untrained model returns
the prealigned fill exactly, known pixels stay, the decoder's skips carry fine detail, and the
trainer's and renderer's input channels agree."""

import torch

from core.model import ModelConfig, build_model, count_parameters
from core.model.inputs import keyframe_channels, target_channels


def _inputs(b=2, t=2, size=(48, 64)):
    h, w = size
    rgb = torch.rand(b, 3, h, w)
    hole = (torch.rand(b, 1, h, w) > 0.6).float()
    prealigned = torch.rand(b, 3, h, w)
    confidence = torch.rand(b, 1, h, w)
    target = target_channels(rgb, hole, prealigned, confidence, channels=8)
    keys = keyframe_channels(torch.rand(b, t, 3, h, w), (torch.rand(b, t, 1, h, w) > 0.7).float(),
                             channels=8)
    flows = torch.randn(b, t, 2, h, w) * 3
    consistency = torch.rand(b, t, 1, h, w)
    return rgb, hole, prealigned, target, keys, flows, consistency


def test_an_untrained_model_returns_the_prealigned_fill_exactly():
    model = build_model("tiny_residual").eval()
    rgb, hole, prealigned, target, keys, flows, consistency = _inputs()
    out = model(target, keys, flows, consistency)
    expected = prealigned * hole + rgb * (1 - hole)
    assert torch.equal(out, expected)


def test_a_trained_correction_changes_only_the_hole():
    model = build_model("tiny_residual")
    last = [m for m in model.decoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.normal_(last.weight, std=0.05)
    model.eval()
    rgb, hole, prealigned, target, keys, flows, consistency = _inputs()
    out = model(target, keys, flows, consistency)
    known = hole.expand_as(rgb) == 0
    assert torch.equal(out[known], rgb[known])
    assert (out - prealigned).abs()[hole.expand_as(rgb) > 0].mean() > 1e-3


def test_the_input_channels_say_what_they_are():
    rgb = torch.full((1, 3, 4, 4), 0.5)
    hole = torch.zeros(1, 1, 4, 4)
    hole[..., :2, :] = 1
    target = target_channels(rgb, hole, torch.full((1, 3, 4, 4), 0.25), torch.ones(1, 1, 4, 4), channels=8)
    assert target.shape == (1, 8, 4, 4)
    assert torch.equal(target[:, :3, :2], torch.zeros(1, 3, 2, 4))  # nothing of the hole leaks
    assert torch.equal(target[:, 7:8], hole)  # confidence only inside the hole
    key = keyframe_channels(rgb, hole, channels=8)
    assert torch.equal(key[:, 4:7], key[:, :3]) and torch.equal(key[:, 7:8], 1 - hole)
    assert target_channels(rgb, hole).shape == (1, 4, 4, 4)


def test_the_cpu_preset_is_small_enough_to_train_on_two_cores():
    config = ModelConfig.cpu()
    assert config.in_channels == 28 and config.output == "residual_rgb" and config.decoder_skips
    assert config.candidate_inputs == 5 and config.candidate_blend  # as the shipped weights
    assert 1e6 < count_parameters(build_model("cpu")) < 4e6


def test_decoder_skips_reach_full_resolution_and_backpropagate():
    model = build_model("tiny_residual")
    rgb, hole, prealigned, target, keys, flows, consistency = _inputs(size=(40, 56))
    out = model(target, keys, flows, consistency)
    assert out.shape == (2, 3, 40, 56)
    out.sum().backward()
    assert model.encoder.layers[1].weight.grad is not None
