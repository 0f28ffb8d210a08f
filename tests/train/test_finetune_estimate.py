"""The estimate said before fine-tuning: it follows what fine-tuning does, grows with the work,
and fits the issue's laptop budget at the defaults."""

import math

import pytest

from core.train import finetune_estimate as fe
from core.train.finetune_estimate import LAPTOP, describe_seconds, estimate, remaining


def test_it_counts_the_holes_and_validations_fine_tuning_makes():
    from core.train import finetune_residual as fr

    assert fe.TRAINING_HOLES == fr.TRAIN_EXAMPLES.tracks * fr.TRAIN_EXAMPLES.targets
    assert fe.HELD_OUT_HOLES == fr.HELD_OUT_EXAMPLES.tracks * fr.HELD_OUT_EXAMPLES.targets
    assert fe.VALIDATE_EVERY == fr.VALIDATE_EVERY


def test_the_laptop_defaults_are_what_the_cli_uses_for_the_shipped_model():
    assert (LAPTOP.steps, LAPTOP.batch, LAPTOP.lr, LAPTOP.crop, LAPTOP.frame_height) == \
        (200, 4, 3e-4, (192, 192), 240)


def test_100_frames_at_480p_fit_a_laptop_on_2_cores():
    seconds, memory = estimate(100, 200, aspect=854 / 480, cores=2)
    assert 5 * 60 < seconds < 10 * 60  # measured here: about 8 minutes on 2 shared cores
    assert 1.5e9 < memory < 3e9


def test_more_work_takes_longer_and_more_memory_and_more_cores_less_time():
    base = estimate(100, 200, cores=2)
    assert estimate(200, 200, cores=2).seconds > base.seconds
    assert estimate(200, 200, cores=2).bytes > base.bytes
    assert estimate(100, 400, cores=2).seconds > base.seconds
    assert estimate(100, 200, batch=8, cores=2).bytes > base.bytes
    assert estimate(100, 200, frame_height=480, cores=2).seconds > base.seconds
    assert estimate(100, 200, cores=8).seconds < base.seconds
    assert estimate(5000, 200, cores=2) == estimate(fe.MAX_FRAMES, 200, cores=2), "at most 600 frames are read"


def test_the_steps_dominate_and_scale_linearly():
    one, two = estimate(100, 1000, cores=2).seconds, estimate(100, 2000, cores=2).seconds
    assert two - one == pytest.approx(1000 * fe.STEP_S + 20 * fe.HELD_OUT_HOLES * fe.VALIDATE_S_PER_EXAMPLE * 1.0,
                                      rel=0.01)


def test_the_time_left_follows_the_measured_rate():
    assert remaining(50, 200, 1.0, cores=2) == pytest.approx(150 + fe.HELD_OUT_HOLES * fe.VALIDATE_S_PER_EXAMPLE,
                                                             rel=0.01)
    assert remaining(200, 200, 1.0, cores=2) < 5


@pytest.mark.parametrize("seconds, said", [(1, "5 seconds"), (12, "10 seconds"), (44, "45 seconds"), (61, "1 minute"),
                                           (487, "8 minutes"), (3600, "1 hour"), (4800, "1 hour 20 minutes"),
                                           (7300, "2 hours 2 minutes")])
def test_durations_read_as_people_say_them(seconds, said):
    assert describe_seconds(seconds) == said


def test_describe():
    found = estimate(100, 200, cores=2)
    assert found.describe() == f"about {describe_seconds(found.seconds)} and {found.bytes / 1e9:.1f} GB of memory"
    assert not math.isnan(found.seconds)
