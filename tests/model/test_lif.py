import torch

from core.model import LIFDecoder, LIFEncoder, ModelConfig, composite


def test_encoder_reaches_stride_8_and_decoder_mirrors_it(tiny_config):
    encoder, decoder = LIFEncoder(tiny_config), LIFDecoder(tiny_config)
    frames = torch.rand(3, 4, 64, 40)
    lif = encoder(frames)
    assert lif.shape == (3, tiny_config.lif_channels, 8, 5)
    rgb = decoder(lif)
    assert rgb.shape == (3, 3, 64, 40)
    assert rgb.min() >= 0 and rgb.max() <= 1


def test_frames_are_encoded_on_their_own(tiny_config):
    encoder = LIFEncoder(tiny_config).eval()
    frames = torch.rand(2, 4, 32, 32)
    other = frames.clone()
    other[1] = torch.rand(4, 32, 32)
    torch.testing.assert_close(encoder(frames)[0], encoder(other)[0])


def test_downsamplings_set_the_stride():
    config = ModelConfig.tiny().replace(downsamplings=2)
    assert LIFEncoder(config)(torch.rand(1, 4, 32, 32)).shape == (1, 32, 8, 8)


def test_composite_keeps_known_pixels_exactly():
    pred, image = torch.rand(2, 3, 16, 16), torch.rand(2, 3, 16, 16)
    mask = (torch.rand(2, 1, 16, 16) > 0.5).float()
    out = composite(pred, image, mask)
    known = mask.expand_as(out) == 0
    assert torch.equal(out[known], image[known])
    assert torch.equal(out[~known], pred[~known])


def test_composite_blends_soft_masks():
    out = composite(torch.ones(1, 3, 2, 2), torch.zeros(1, 3, 2, 2), torch.full((1, 1, 2, 2), 0.25))
    torch.testing.assert_close(out, torch.full((1, 3, 2, 2), 0.25))
