"""Read (Eq. 1) and write (Eq. 2) against direct per-patch computations with Python loops."""

import pytest
import torch
import torch.nn.functional as F

from core.model import Read, Write, patch_grid_size


def _patches(lif, side):
    """Yield (j, rows, cols) of the side x side patches of an (H, W) map, row-major."""
    h, w = lif.shape[-2:]
    ph, pw = h // side, w // side
    for r in range(side):
        for c in range(side):
            yield r * side + c, slice(r * ph, (r + 1) * ph), slice(c * pw, (c + 1) * pw)


def _resized(lif, side):
    size = patch_grid_size(lif.shape[-2:], side)
    if tuple(size) == tuple(lif.shape[-2:]):
        return lif
    return F.interpolate(lif, size=size, mode="bilinear", align_corners=False)


def reference_read(read: Read, lif):
    lif = _resized(lif, read.side)
    n, c = lif.shape[:2]
    heads, d = read.heads, read.value.out_channels
    dh = d // heads
    ws = read.score.weight.view(heads, c)
    wv, bv = read.value.weight.view(d, c), read.value.bias
    out = torch.zeros(n, read.side**2, d)
    for b in range(n):
        for j, rows, cols in _patches(lif, read.side):
            patch = lif[b, :, rows, cols].reshape(c, -1).T  # (positions, c)
            for h in range(heads):
                weights = torch.softmax(patch @ ws[h], dim=0)  # over positions
                values = patch @ wv[h * dh:(h + 1) * dh].T + bv[h * dh:(h + 1) * dh]
                out[b, j, h * dh:(h + 1) * dh] = weights @ values
    return out


def reference_write(write: Write, lif, gif):
    size = lif.shape[-2:]
    lif = _resized(lif, write.side)
    n, c = lif.shape[:2]
    heads = write.heads
    ch = c // heads
    ws, bs = write.score.weight.view(heads, c), write.score.bias
    out = torch.zeros_like(lif)
    for b in range(n):
        for j, rows, cols in _patches(lif, write.side):
            values = write.value(gif[b, j])  # (c,) = G_j W_V^T
            patch = lif[b, :, rows, cols]
            for h in range(heads):
                gate = torch.sigmoid(torch.einsum("c,cyx->yx", ws[h], patch) + bs[h])
                out[b, h * ch:(h + 1) * ch, rows, cols] = (
                    gate[None] * values[h * ch:(h + 1) * ch, None, None])
    if tuple(out.shape[-2:]) != tuple(size):
        out = F.interpolate(out, size=size, mode="bilinear", align_corners=False)
    return out


SIZES = [(8, 12), (7, 10), (2, 3), (5, 5)]  # divisible; not divisible; smaller than m; odd


@pytest.mark.parametrize("size", SIZES)
def test_read_matches_per_patch_loops(size):
    read = Read(lif_channels=16, gif_dim=8, tokens_side=4, heads=2)
    lif = torch.randn(2, 16, *size)
    expected = reference_read(read, lif)
    torch.testing.assert_close(read.gather(lif), expected, rtol=1e-4, atol=1e-5)
    gif = torch.randn(2, 16, 8)
    torch.testing.assert_close(read(lif, gif), gif + read.proj(read.norm(expected)),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("size", SIZES)
def test_write_matches_per_patch_loops(size):
    write = Write(lif_channels=16, gif_dim=8, tokens_side=4, heads=4)
    lif, gif = torch.randn(2, 16, *size), torch.randn(2, 16, 8)
    expected = reference_write(write, lif, gif)
    scattered = write.scatter(lif, gif)
    assert scattered.shape == lif.shape
    torch.testing.assert_close(scattered, expected, rtol=1e-4, atol=1e-5)
    out = write(lif, gif)
    assert out.shape == lif.shape
    torch.testing.assert_close(out, lif + write.proj(write.norm(expected)), rtol=1e-4, atol=1e-5)


def test_patch_grid_size_picks_closest_multiple_at_least_m():
    assert patch_grid_size((8, 12), 4) == (8, 12)
    assert patch_grid_size((7, 10), 4) == (8, 12)  # ties round up
    assert patch_grid_size((9, 13), 4) == (8, 12)
    assert patch_grid_size((2, 1), 4) == (4, 4)
    assert patch_grid_size((30, 54), 8) == (32, 56)


def test_read_attends_within_its_patch_only():
    read = Read(lif_channels=8, gif_dim=8, tokens_side=2, heads=2)
    lif = torch.randn(1, 8, 4, 4)
    bumped = lif.clone()
    bumped[:, :, 0, 0] += 5.0  # patch 0
    delta = (read.gather(bumped) - read.gather(lif)).abs().amax(dim=-1)[0]
    assert delta[0] > 0 and torch.all(delta[1:] == 0)
