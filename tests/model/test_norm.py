"""GroupNorm for the removal model: its output must not depend on the rest of the batch."""

import torch
from torch import nn

from core.model import KeyframePropagationNet
from core.model.config import ModelConfig


def _inputs(batch: int):
    torch.manual_seed(1)
    target = torch.rand(batch, 8, 32, 48)
    target[:, 3:4] = 0
    target[:, 3:4, :, 10:30] = 1
    keyframes = torch.rand(batch, 2, 8, 32, 48)
    return target, keyframes


def _trained_a_little(config: ModelConfig) -> KeyframePropagationNet:
    torch.manual_seed(0)
    model = KeyframePropagationNet(config)
    with torch.no_grad():  # a correction that is not zero, so the output shows the norms' effect
        last = model.decoder.layers[-1]
        last.weight.normal_(0, 0.05)
    return model


def test_group_norm_replaces_every_batch_norm_and_matches_in_train_and_eval():
    model = _trained_a_little(ModelConfig.tiny_residual().replace(norm="group"))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert any(isinstance(m, nn.GroupNorm) for m in model.modules())
    target, keyframes = _inputs(3)
    with torch.no_grad():
        alone = model.train()(target[:1], keyframes[:1])
        in_batch = model.train()(target, keyframes)[:1]
        in_use = model.eval()(target[:1], keyframes[:1])
    assert torch.allclose(alone, in_batch, atol=1e-5)
    assert torch.allclose(alone, in_use, atol=1e-5)


def test_batch_norm_model_depends_on_its_batch():
    """What GroupNorm fixes: with BatchNorm, the same frame comes out differently."""
    model = _trained_a_little(ModelConfig.tiny_residual())
    target, keyframes = _inputs(3)
    with torch.no_grad():
        alone = model.train()(target[:1], keyframes[:1])
        in_batch = model.train()(target, keyframes)[:1]
    assert not torch.allclose(alone, in_batch, atol=1e-4)


def test_the_cpu_preset_uses_group_norm_and_old_configs_keep_batch_norm():
    assert ModelConfig.cpu().norm == "group"
    assert ModelConfig.from_dict({k: v for k, v in ModelConfig.cpu().to_dict().items()
                                  if k != "norm"}).norm == "batch"
