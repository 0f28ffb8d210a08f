import pytest
import torch

from core.model import DeformableWrite, resize_consistency, resize_flow, sample_keyframes


def test_zero_flow_samples_the_keyframe_itself():
    features = torch.randn(2, 1, 8, 6, 7)
    sampled, inside = sample_keyframes(features, torch.zeros(2, 1, 2, 6, 7))
    torch.testing.assert_close(sampled, features)
    assert torch.all(inside == 1)


def test_integer_flow_samples_the_shifted_keyframe():
    features = torch.randn(1, 2, 4, 6, 7)
    flows = torch.zeros(1, 2, 2, 6, 7)
    flows[:, 0, 0], flows[:, 0, 1] = 2.0, -1.0  # keyframe 0: p -> p + (2 right, 1 up)
    flows[:, 1, 0] = -3.0                       # keyframe 1: p -> p + (3 left)
    sampled, inside = sample_keyframes(features, flows)
    # sampled[y, x] = features[y - 1, x + 2] where that lies inside, else 0
    torch.testing.assert_close(sampled[:, 0, :, 1:, :5], features[:, 0, :, :5, 2:])
    zeros = torch.zeros_like
    torch.testing.assert_close(sampled[:, 0, :, 0], zeros(sampled[:, 0, :, 0]))
    torch.testing.assert_close(sampled[:, 0, :, :, 5:], zeros(sampled[:, 0, :, :, 5:]))
    torch.testing.assert_close(inside[:, 0, :, 1:, :5], zeros(inside[:, 0, :, 1:, :5]) + 1)
    torch.testing.assert_close(inside[:, 0, :, 0], zeros(inside[:, 0, :, 0]))
    torch.testing.assert_close(sampled[:, 1, :, :, 3:], features[:, 1, :, :, :4])
    torch.testing.assert_close(inside[:, 1, :, :, :3], zeros(inside[:, 1, :, :, :3]))


def test_half_pixel_flow_interpolates_bilinearly():
    features = torch.arange(12.0).view(1, 1, 1, 3, 4)
    flows = torch.zeros(1, 1, 2, 3, 4)
    flows[:, :, 0] = 0.5
    sampled, _ = sample_keyframes(features, flows)
    torch.testing.assert_close(sampled[..., :3], (features[..., :3] + features[..., 1:]) / 2)


def test_no_keyframes_is_a_no_op():
    write = DeformableWrite(8)
    target = torch.randn(2, 8, 5, 5)
    out = write(target, torch.zeros(2, 0, 8, 5, 5), torch.zeros(2, 0, 2, 5, 5))
    assert torch.equal(out, target)


def reference(write, target, keyframes, flows, consistency):
    """The paper's formula, sampling first and projecting after."""
    b, t, c, h, w = keyframes.shape
    sampled, inside = sample_keyframes(keyframes, flows)
    cons = consistency * inside
    logits = write.confidence(torch.cat((sampled, cons), dim=2).flatten(0, 1)).view(b, t, c, h, w)
    values = write.value(sampled.flatten(0, 1)).view(b, t, c, h, w)
    if write.null_logit is not None:
        logits = torch.cat((logits, write.null_logit.view(1, 1, c, 1, 1).expand(b, 1, c, h, w)), 1)
        values = torch.cat((values, torch.zeros(b, 1, c, h, w)), 1)
    return target + (logits.softmax(dim=1) * values).sum(dim=1)


@pytest.mark.parametrize("null_slot", [True, False])
def test_projecting_before_sampling_equals_the_paper_formula(null_slot):
    write = DeformableWrite(8, null_slot=null_slot)
    torch.nn.init.normal_(write.confidence.bias)
    target, keyframes = torch.randn(2, 8, 5, 6), torch.randn(2, 3, 8, 5, 6)
    flows = torch.randn(2, 3, 2, 5, 6) * 2  # partly outside the frame
    consistency = torch.rand(2, 3, 1, 5, 6)
    torch.testing.assert_close(write(target, keyframes, flows, consistency),
                               reference(write, target, keyframes, flows, consistency),
                               rtol=1e-4, atol=1e-5)


def test_single_keyframe_without_null_slot_adds_its_values():
    write = DeformableWrite(8, null_slot=False)
    target, keyframes = torch.randn(1, 8, 4, 4), torch.randn(1, 1, 8, 4, 4)
    out = write(target, keyframes, torch.zeros(1, 1, 2, 4, 4), torch.ones(1, 1, 1, 4, 4))
    torch.testing.assert_close(out, target + write.value(keyframes[:, 0]))


def test_resize_flow_scales_pixels_to_the_new_grid():
    flow = torch.zeros(2, 3, 2, 64, 48)
    flow[:, :, 0], flow[:, :, 1] = 16.0, -8.0
    small = resize_flow(flow, (8, 6))
    assert small.shape == (2, 3, 2, 8, 6)
    torch.testing.assert_close(small[:, :, 0], torch.full((2, 3, 8, 6), 2.0))
    torch.testing.assert_close(small[:, :, 1], torch.full((2, 3, 8, 6), -1.0))
    big = resize_flow(small, (64, 48))
    torch.testing.assert_close(big, flow)


def test_resize_consistency_averages():
    cons = torch.zeros(1, 1, 1, 16, 16)
    cons[..., :8, :] = 1.0
    small = resize_consistency(cons, (2, 2))
    torch.testing.assert_close(small[0, 0, 0], torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
