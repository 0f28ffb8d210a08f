import pytest
import torch

from core.errors import ModelError
from core.model import KeyframeMemory, KeyframePropagationNet, ModelConfig, build_model


def _frames(b=1, t=3, h=64, w=64):
    target = torch.rand(b, 4, h, w)
    target[:, 3] = (torch.rand(b, h, w) > 0.7).float()
    target[:, :3] *= 1 - target[:, 3:]
    keyframes = torch.rand(b, t, 4, h, w)
    keyframes[:, :, 3] = 0
    flows = torch.randn(b, t, 2, h, w) * 4
    consistency = torch.rand(b, t, 1, h, w)
    return target, keyframes, flows, consistency


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model("tiny").eval()


@pytest.mark.parametrize("t", [0, 3])
def test_output_shape_and_range(model, t):
    target, keyframes, flows, consistency = _frames(b=2, t=t)
    with torch.no_grad():
        out = model(target, keyframes, flows, consistency)
    assert out.shape == (2, 3, 64, 64)
    assert out.min() >= 0 and out.max() <= 1


def test_any_size(model):
    target, keyframes, flows, consistency = _frames(t=2, h=45, w=70)
    with torch.no_grad():
        assert model(target, keyframes, flows, consistency).shape == (1, 3, 45, 70)
        assert model(target[..., :5, :3]).shape == (1, 3, 5, 3)


def test_known_pixels_are_composited_exactly(model):
    target, keyframes, flows, consistency = _frames(t=2, h=40, w=56)
    with torch.no_grad():
        out = model(target, keyframes, flows, consistency)
    known = (target[:, 3:] == 0).expand(-1, 3, -1, -1)
    assert torch.equal(out[known], target[:, :3][known])


def test_no_keyframes_equals_zero_keyframes(model):
    target, *_ = _frames()
    with torch.no_grad():
        torch.testing.assert_close(model(target), model(target, torch.zeros(1, 0, 4, 64, 64)))


def test_keyframes_change_the_result(model):
    target, keyframes, flows, consistency = _frames(t=2)
    with torch.no_grad():
        a = model(target, keyframes, flows, consistency)
        b = model(target, keyframes.flip(-1), flows, consistency)
        c = model(target, keyframes, None, None)  # attention only
    assert not torch.allclose(a, b) and not torch.allclose(a, c)


def test_keyframe_memory_can_be_reused_sliced_and_joined(model):
    target, keyframes, flows, consistency = _frames(t=3)
    with torch.no_grad():
        direct = model(target, keyframes, flows, consistency)
        memory = model.encode_keyframes(keyframes)
        torch.testing.assert_close(model.propagate(target, memory, flows, consistency), direct)
        parts = KeyframeMemory.cat([model.encode_keyframes(keyframes[:, 2:]),
                                    model.encode_keyframes(keyframes[:, :2])])
        reordered = parts.select([1, 2, 0])
        torch.testing.assert_close(model.propagate(target, reordered, flows, consistency), direct,
                                   rtol=1e-4, atol=1e-5)


def test_gradients_reach_every_parameter():
    model = build_model("tiny").train()
    target, keyframes, flows, consistency = _frames(b=2, t=2, h=32, w=48)
    model(target, keyframes, flows, consistency).mean().backward()
    missing = [name for name, p in model.named_parameters()
               if p.grad is None or not torch.any(p.grad != 0)]
    assert not missing


def test_variant_without_ffc():
    model = build_model("tiny", use_ffc=False).eval()
    target, keyframes, flows, consistency = _frames(t=1, h=48, w=40)
    with torch.no_grad():
        assert model(target, keyframes, flows, consistency).shape == (1, 3, 48, 40)


def test_rejects_mismatched_inputs(model):
    target, keyframes, flows, _ = _frames(t=2)
    with pytest.raises(ValueError):
        model(target, keyframes, flows[:, :1])
    with pytest.raises(ValueError):
        model(target[:, :3], keyframes)


def test_build_model():
    assert isinstance(build_model("tiny"), KeyframePropagationNet)
    assert build_model("tiny", intra_blocks=2).config == ModelConfig.tiny().replace(intra_blocks=2)
    with pytest.raises(ModelError, match="tiny, base, big"):
        build_model("huge")
