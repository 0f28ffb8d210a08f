import torch

from core.model import GIFAttention, GIFTokens


def test_tokens_are_shared_by_every_frame():
    tokens = GIFTokens(16, 32)
    out = tokens(3)
    assert out.shape == (3, 16, 32)
    assert torch.equal(out[0], out[2])


def test_attention_keeps_shape():
    layer = GIFAttention(32, heads=4)
    assert layer(torch.randn(2, 16, 32)).shape == (2, 16, 32)


def test_context_of_own_copy_equals_self_attention():
    # Every key appears twice, so the softmax weights halve and the output is unchanged.
    layer = GIFAttention(32, heads=4)
    x = torch.randn(2, 16, 32)
    torch.testing.assert_close(layer(x, context=x), layer(x), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(layer(x, context=x[:, :0]), layer(x))


def test_cross_attention_matches_direct_formula():
    layer = GIFAttention(8, heads=1, mlp_ratio=1.0)
    x, context = torch.randn(1, 4, 8), torch.randn(1, 6, 8)
    h, hc = layer.norm1(x), layer.norm1(context)
    sources = torch.cat((h, hc), dim=1)
    k, v = layer.key_value(sources).split(8, dim=-1)
    attn = torch.softmax(layer.query(h) @ k.transpose(1, 2) / 8**0.5, dim=-1)
    y = x + layer.proj(attn @ v)
    y = y + layer.mlp(layer.norm2(y))
    torch.testing.assert_close(layer(x, context), y, rtol=1e-4, atol=1e-5)


def test_context_order_does_not_matter_but_context_does():
    layer = GIFAttention(16, heads=2)
    x, context = torch.randn(1, 4, 16), torch.randn(1, 8, 16)
    shuffled = context[:, torch.randperm(8)]
    torch.testing.assert_close(layer(x, context), layer(x, shuffled), rtol=1e-4, atol=1e-5)
    assert not torch.allclose(layer(x, context), layer(x), atol=1e-4)
