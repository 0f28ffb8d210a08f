import pytest

from core.model import build_model
from core.train.schedule import lr_factor, make_optimizer, warmup_cosine


def test_warmup_then_cosine_down_to_the_floor():
    factors = [lr_factor(s, steps=100, warmup=10, final_fraction=0.02) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(a < b for a, b in zip(factors[:10], factors[1:10]))  # rising
    assert all(a >= b for a, b in zip(factors[10:], factors[11:]))  # then falling
    assert factors[55] == pytest.approx(0.51, abs=0.02)  # half-way through the cosine
    assert lr_factor(100, 100, 10) == pytest.approx(0.02)


def test_scheduler_drives_the_optimizer():
    model = build_model("tiny")
    optimizer = make_optimizer(model, lr=1e-3)
    scheduler = warmup_cosine(optimizer, steps=20, warmup=4)
    lrs = []
    for _ in range(20):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs[0] == pytest.approx(2.5e-4) and max(lrs) == pytest.approx(1e-3)
    # norms and biases are not decayed
    decayed, plain = optimizer.param_groups
    assert decayed["weight_decay"] > 0 and plain["weight_decay"] == 0
    assert all(p.ndim > 1 for p in decayed["params"])
