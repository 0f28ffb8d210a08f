import torch

from core.model import FFC, ConvResBlock, FFCResBlock, FourierUnit


def test_ffc_res_block_keeps_shape():
    block = FFCResBlock(32, 0.75)
    x = torch.randn(2, 32, 12, 10)
    assert block(x).shape == x.shape


def test_ffc_split_follows_global_ratio():
    ffc = FFC(32, 0.75)
    y_local, y_global = ffc(torch.randn(1, 8, 6, 6), torch.randn(1, 24, 6, 6))
    assert y_local.shape == (1, 8, 6, 6) and y_global.shape == (1, 24, 6, 6)


def _corner_effect(block, size=16):
    block.eval()  # BatchNorm with running statistics: no coupling through batch statistics
    x = torch.randn(1, 32, size, size)
    bumped = x.clone()
    bumped[:, :, 0, 0] += 10.0
    with torch.no_grad():
        return (block(bumped) - block(x))[:, :, -1, -1].abs().max().item()


def test_ffc_global_branch_mixes_the_whole_map():
    assert _corner_effect(FFCResBlock(32, 0.75)) > 1e-4


def test_conv_res_block_stays_local():
    assert _corner_effect(ConvResBlock(32)) == 0.0


def test_fourier_unit_handles_odd_sizes_and_autocast():
    unit = FourierUnit(8)
    x = torch.randn(2, 8, 7, 9)
    assert unit(x).shape == x.shape
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = unit(x.bfloat16())
    assert y.shape == x.shape and y.dtype == torch.bfloat16
