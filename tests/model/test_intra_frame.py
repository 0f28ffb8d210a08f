import torch

from core.model import IntraFrameBlock


def test_shapes_are_kept(tiny_config):
    block = IntraFrameBlock(tiny_config)
    lif, gif = torch.randn(3, 64, 8, 8), torch.randn(3, 16, 32)
    out_lif, out_gif = block(lif, gif)
    assert out_lif.shape == lif.shape and out_gif.shape == gif.shape


def test_frames_do_not_interact(tiny_config):
    block = IntraFrameBlock(tiny_config).eval()
    lif, gif = torch.randn(2, 64, 8, 8), torch.randn(2, 16, 32)
    other = lif.clone()
    other[1] = torch.randn(64, 8, 8)
    with torch.no_grad():
        a, b = block(lif, gif), block(other, gif)
    torch.testing.assert_close(a[0][0], b[0][0])
    torch.testing.assert_close(a[1][0], b[1][0])


def test_gif_reads_and_lif_gets_written(tiny_config):
    block = IntraFrameBlock(tiny_config).eval()
    lif, gif = torch.randn(1, 64, 8, 8), torch.randn(1, 16, 32)
    bumped = lif.clone()
    bumped[:, :, 0, 0] += 5  # GIF token 0's patch; the write spreads it everywhere via attention
    with torch.no_grad():
        (l0, g0), (l1, g1) = block(lif, gif), block(bumped, gif)
    assert (g1 - g0).abs().amax(dim=-1).min() > 0  # every token saw it (attention mixes them)
    assert (l1 - l0)[:, :, -1, -1].abs().max() > 0  # far corner of the LIF map too


def test_works_without_ffc_and_with_sizes_not_divisible_by_m(tiny_config):
    block = IntraFrameBlock(tiny_config.replace(use_ffc=False))
    lif, gif = torch.randn(2, 64, 5, 7), torch.randn(2, 16, 32)
    out_lif, out_gif = block(lif, gif)
    assert out_lif.shape == lif.shape and out_gif.shape == gif.shape
