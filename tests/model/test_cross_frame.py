import torch

from core.model import CrossFrameBlock, IntraFrameBlock

B, T, C, M, D, H, W = 2, 3, 64, 16, 32, 8, 8


def _run(block, lif_t, gif_t, lif_s, gif_s, flows=None):
    with torch.no_grad():
        out_s = block.forward_keyframes(lif_s.flatten(0, 1), gif_s.flatten(0, 1), T)
        out_t = block(lif_t, gif_t, out_s[2], out_s[3], flows)
    return out_t, out_s


def _inputs():
    return (torch.randn(B, C, H, W), torch.randn(B, M, D),
            torch.randn(B, T, C, H, W), torch.randn(B, T, M, D))


def test_shapes(tiny_config):
    block = CrossFrameBlock(tiny_config).eval()
    lif_t, gif_t, lif_s, gif_s = _inputs()
    (out_lif, out_gif), (k_lif, k_gif, context, aligned) = _run(
        block, lif_t, gif_t, lif_s, gif_s, torch.zeros(B, T, 2, H, W))
    assert out_lif.shape == lif_t.shape and out_gif.shape == gif_t.shape
    assert k_lif.shape == (B * T, C, H, W) and k_gif.shape == (B * T, M, D)
    assert context.shape == (B, T, M, D) and aligned.shape == (B, T, 2 * C, H, W)


def test_target_sees_keyframes_through_attention_and_deformable_write(tiny_config):
    for flows in (None, torch.zeros(B, T, 2, H, W)):
        block = CrossFrameBlock(tiny_config).eval()
        lif_t, gif_t, lif_s, gif_s = _inputs()
        changed = lif_s.clone()
        changed[:, 1] = torch.randn(B, C, H, W)
        (a_lif, a_gif), _ = _run(block, lif_t, gif_t, lif_s, gif_s, flows)
        (b_lif, b_gif), _ = _run(block, lif_t, gif_t, changed, gif_s, flows)
        assert not torch.allclose(a_gif, b_gif, atol=1e-5)
        assert not torch.allclose(a_lif, b_lif, atol=1e-5)


def test_keyframes_depend_neither_on_target_nor_on_each_other(tiny_config):
    block = CrossFrameBlock(tiny_config).eval()
    lif_t, gif_t, lif_s, gif_s = _inputs()
    changed = lif_s.clone()
    changed[:, 1] = torch.randn(B, C, H, W)
    _, a = _run(block, lif_t, gif_t, lif_s, gif_s)
    _, b = _run(block, lif_t * 0, gif_t * 0, changed, gif_s)
    for x, y in zip(a, b):  # lif, gif are (B*T, ...); context, aligned are (B, T, ...)
        x, y = (x.unflatten(0, (B, T)), y.unflatten(0, (B, T))) if x.shape[0] == B * T else (x, y)
        torch.testing.assert_close(x[:, [0, 2]], y[:, [0, 2]])
        assert not torch.allclose(x[:, 1], y[:, 1])


def test_keyframe_attention_is_self_attention_with_the_same_weights(tiny_config):
    block = CrossFrameBlock(tiny_config).eval()
    _, _, lif_s, gif_s = _inputs()
    with torch.no_grad():
        _, k_gif, context, _ = block.forward_keyframes(lif_s.flatten(0, 1), gif_s.flatten(0, 1), T)
        torch.testing.assert_close(k_gif, block.attention[0](context.flatten(0, 1)))


def test_without_keyframes_it_is_an_intra_frame_block(tiny_config):
    config = tiny_config.replace(use_deformable_write=False)
    cross, intra = CrossFrameBlock(config).eval(), IntraFrameBlock(config).eval()
    intra.load_state_dict(cross.state_dict())
    lif, gif = torch.randn(B, C, H, W), torch.randn(B, M, D)
    with torch.no_grad():
        a = cross(lif, gif, torch.zeros(B, 0, M, D), torch.zeros(B, 0, 0, H, W))
        b = intra(lif, gif)
    torch.testing.assert_close(a, b)
