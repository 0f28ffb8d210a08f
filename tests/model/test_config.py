import pytest

from core.model import PRESETS, ModelConfig


def test_presets_build_valid_configs():
    for make in PRESETS.values():
        config = make()
        assert config.lif_channels == config.base_channels * 8
        assert config.stride == 8
        assert config.gif_tokens == config.gif_tokens_side**2


def test_paper_big_config():
    big = ModelConfig.big()
    assert (big.base_channels, big.lif_channels) == (64, 512)
    assert (big.gif_tokens_side, big.intra_blocks, big.cross_blocks) == (16, 12, 2)
    assert big.use_ffc and big.ffc_global_ratio == 0.75


def test_dict_round_trip():
    config = ModelConfig.tiny().replace(use_ffc=False, mlp_ratio=3.0)
    values = config.to_dict()
    assert all(isinstance(v, (int, float, bool, str)) for v in values.values())
    assert ModelConfig.from_dict(values) == config


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(KeyError):
        ModelConfig.from_dict({**ModelConfig.tiny().to_dict(), "warp_drive": 9})


def test_invalid_values_raise():
    with pytest.raises(ValueError):
        ModelConfig.tiny().replace(gif_dim=30)  # not divisible by 4 heads
    with pytest.raises(ValueError):
        ModelConfig.tiny().replace(ffc_global_ratio=1.0)
