"""TrainOptions and FinetuneOptions refuse values out of range where they are made, naming the option."""

from pathlib import Path

import pytest

from core.errors import SettingsError
from core.model import ModelConfig
from core.train import FinetuneOptions, TrainOptions


@pytest.mark.parametrize("changes, named", [
    ({"steps": 0}, "steps=0"), ({"batch": -1}, "batch=-1"), ({"accumulate": 1.5}, "accumulate=1.5"),
    ({"lr": 0.0}, "lr=0.0"), ({"grad_clip": -1.0}, "grad_clip=-1.0"), ({"weight_decay": -0.1}, "weight_decay=-0.1"),
    ({"time_limit": -5.0}, "time_limit=-5.0"), ({"workers": -1}, "workers=-1"), ({"save_every": 0}, "save_every=0"),
    ({"steps": True}, "steps=True"), ({"device": "gpu"}, "Unknown device 'gpu'"),
])
def test_train_options_out_of_range_are_refused(changes, named):
    with pytest.raises(SettingsError, match=named.replace("(", r"\(").replace(".", r"\.")):
        TrainOptions(**changes)


def test_train_options_accept_the_defaults_and_a_named_gpu():
    assert TrainOptions().steps == 2000
    assert TrainOptions(device="cuda:1", warmup=0, time_limit=0.0, weight_decay=0.0).device == "cuda:1"


def test_finetune_options_are_checked_and_normalised():
    options = FinetuneOptions(TrainOptions(), init="start.pt", crop=[32, 48])
    assert options.init == Path("start.pt") and options.crop == (32, 48)
    assert FinetuneOptions(TrainOptions(), fresh_config=ModelConfig.tiny()).init is None
    assert FinetuneOptions(TrainOptions(), resume=True).resume
    with pytest.raises(SettingsError, match="nothing to start from"):
        FinetuneOptions(TrainOptions())
    with pytest.raises(SettingsError, match="crop"):
        FinetuneOptions(TrainOptions(), init="a.pt", crop=(0, 32))
    with pytest.raises(SettingsError, match="frame height"):
        FinetuneOptions(TrainOptions(), init="a.pt", frame_height=0)
    with pytest.raises(SettingsError, match="frame pairs"):
        FinetuneOptions(TrainOptions(), init="a.pt", max_pairs=0)
