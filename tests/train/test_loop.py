"""The training loop: it learns, it stops on time, and a resumed run is the same run."""

import pytest
import torch

from core.errors import Cancelled
from core.model import ModelConfig, load_checkpoint
from core.train import SampleSettings, TrainOptions, find_footage, read_curve, state_path, train
from core.train.samples import samples_from_clips
from tests.cancelling import cancel_after

CROP = (64, 64)


@pytest.fixture(scope="module")
def samples(footage_dir):
    clips = find_footage(footage_dir, exclude=["heldout"], frame_height=64, crop=CROP)
    return samples_from_clips(clips, SampleSettings(crop=CROP, keyframes=2), threads=2)


class OneSample(torch.utils.data.Dataset):
    """Every index is the same sample: a loss that cannot fall on it means nothing learns."""

    def __init__(self, samples):
        self.sample = samples[0]

    def __len__(self):
        return 2**62

    def __getitem__(self, n):
        return self.sample


def settings(**changes) -> TrainOptions:
    base = TrainOptions(steps=6, batch=2, device="cpu", warmup=2, log_every=100, save_every=1000)
    return TrainOptions(**{**base.__dict__, **changes})


def test_training_lowers_the_loss(samples, tmp_path):
    result = train(tmp_path / "m.pt", OneSample(samples), settings(steps=25, lr=2e-3),
                   config=ModelConfig.tiny())
    losses = [row[1] for row in result.history]
    assert len(losses) == 25
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5


def test_resumed_run_is_identical_to_an_uninterrupted_one(samples, tmp_path):
    one_go = train(tmp_path / "a.pt", samples, settings(), config=ModelConfig.tiny())
    assert one_go.step == 6 and one_go.stopped == "done"

    token, cancel_at_three = cancel_after(3)
    with pytest.raises(Cancelled, match="--resume"):
        train(tmp_path / "b.pt", samples, settings(), config=ModelConfig.tiny(),
              progress=cancel_at_three, cancel=token)
    assert state_path(tmp_path / "b.pt").is_file()
    assert load_checkpoint(tmp_path / "b.pt")[1]["step"] == 3
    resumed = train(tmp_path / "b.pt", samples, settings(), config=ModelConfig.tiny(),
                    resume=True)
    assert resumed.step == 6

    a, _ = load_checkpoint(tmp_path / "a.pt")
    b, extra = load_checkpoint(tmp_path / "b.pt")
    for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), f"{name} differs after resuming"
    assert [r[1] for r in one_go.history] == [r[1] for r in resumed.history]
    assert [row["step"] for row in read_curve(tmp_path / "b.pt")] == list(range(1, 7))
    assert extra["loss_curve"][-1][0] == 6


def test_time_limit_stops_cleanly_with_a_loadable_model(samples, tmp_path):
    lines = []
    result = train(tmp_path / "t.pt", samples, settings(steps=1000, time_limit=3.0),
                   config=ModelConfig.tiny(), log=lines.append)
    assert result.stopped == "time limit" and 0 < result.step < 1000
    model, extra = load_checkpoint(tmp_path / "t.pt")
    assert extra["step"] == result.step and not model.training
    assert any("time limit" in line for line in lines)


def test_progress_reports_loss_and_eta(samples, tmp_path):
    calls = []
    train(tmp_path / "p.pt", samples, settings(steps=3), config=ModelConfig.tiny(),
          progress=lambda d, t, m: calls.append((d, t, m)))
    assert [c[0] for c in calls] == [1, 2, 3] and calls[-1][1] == 3
    assert "loss 0." in calls[-1][2] and "ETA" in calls[-1][2]
