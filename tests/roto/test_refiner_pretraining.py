"""The clip refiner's pretraining (``main.py train-refiner``, core.roto.clip_refiner_pretraining)
and every clip's refiner starting from its weights (core.roto.clip_refiner_weights)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import pytest
import torch

from core.cli.main import main
from core.errors import ModelError
from core.flow import FlowField
from core.model.weights import CLIP_REFINER, forget_loaded_weights
from core.roto import clip_refiner_weights
from core.roto.clip_refiner import forget_refiners, train_clip_refiner
from core.roto.clip_refiner_weights import pretrained_refiner, read_refiner_weights
from core.roto.options import DEFAULT_STEPS, PRETRAINED_STEPS, refine_steps
from tests.roto_scenes import SlidingSquares


@pytest.fixture(autouse=True)
def fresh_refiners():
    forget_refiners()
    forget_loaded_weights()
    yield
    forget_refiners()
    forget_loaded_weights()


@pytest.fixture(scope="module")
def scene():
    return SlidingSquares([(20, 40, 4, 1)], size=40, frame_count=8)


@pytest.fixture(scope="module")
def weights(scene, tmp_path_factory):
    """Weights written by ``main.py train-refiner`` on one tiny synthetic clip folder."""
    data = tmp_path_factory.mktemp("data")
    for sub in ("frames", "masks"):
        (data / "squares" / sub).mkdir(parents=True)
    for i in range(scene.frame_count):
        cv2.imwrite(str(data / "squares" / "frames" / f"{i:05d}.png"), cv2.cvtColor(scene.frame(i), cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(data / "squares" / "masks" / f"{i:05d}.png"), scene.mask(i))
    out = data / "refiner.pt"
    assert main(["train-refiner", "--data", str(data), "--exclude", "--steps", "4", "--frame-stride", "3",
                 "--out", str(out)]) == 0
    return out


def test_pretraining_writes_small_weights_the_registry_reads(weights, monkeypatch):
    assert weights.stat().st_size < 1_000_000
    net, record = read_refiner_weights(weights)
    assert record["clips"] == ["squares"] and record["steps"] == 4 and record["examples"] >= 2
    assert net.head.weight.abs().sum() > 0  # trained: the head no longer starts at zero
    monkeypatch.setenv(CLIP_REFINER.env, str(weights))
    loaded = pretrained_refiner()
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), net.state_dict().values()))


def test_each_clip_refiner_starts_from_the_pretrained_weights(scene, weights, monkeypatch):
    pretrained, _ = read_refiner_weights(weights)
    keyframes = {0: scene.mask(0)}
    monkeypatch.setenv(CLIP_REFINER.env, str(weights))
    warm = train_clip_refiner(scene.frame, keyframes, FlowField(scene.frame, scene.frame_count), steps=1)
    # one Adam step moves each weight by about the learning rate (2e-3): still the pretrained net
    assert torch.allclose(warm.net.head.weight, pretrained.head.weight, atol=5e-3)
    assert torch.allclose(warm.net.body[0].weight, pretrained.body[0].weight, atol=5e-3)

    forget_refiners()  # not a warm start from the refiner just kept either
    monkeypatch.setenv(CLIP_REFINER.env, "none")
    cold = train_clip_refiner(scene.frame, keyframes, FlowField(scene.frame, scene.frame_count), steps=1)
    assert not torch.allclose(cold.net.head.weight, pretrained.head.weight, atol=5e-3)


def test_a_narrower_refiner_pretrains_and_each_clip_s_refiner_takes_its_width(scene, weights, monkeypatch):
    narrow = weights.with_name("narrow.pt")
    assert main(["train-refiner", "--data", str(weights.parent), "--exclude", "--steps", "2", "--frame-stride",
                 "3", "--channels", "8", "--out", str(narrow)]) == 0
    net, record = read_refiner_weights(narrow)
    assert net.config["channels"] == 8 and record["channels"] == 8
    monkeypatch.setenv(CLIP_REFINER.env, str(narrow))
    refiner = train_clip_refiner(scene.frame, {0: scene.mask(0)}, FlowField(scene.frame, scene.frame_count), steps=2)
    assert refiner.net.config["channels"] == 8 and refiner.net.body[0].out_channels == 8


def test_a_named_file_that_is_not_refiner_weights_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(CLIP_REFINER.env, str(tmp_path / "missing.pt"))
    with pytest.raises(ModelError, match="train-refiner"):
        pretrained_refiner()
    foreign = tmp_path / "foreign.pt"
    torch.save({"format": "keyfill-model", "version": 1}, foreign)
    monkeypatch.setenv(CLIP_REFINER.env, str(foreign))
    with pytest.raises(ModelError, match="not a clip refiner"):
        pretrained_refiner()


def test_without_installed_weights_each_refiner_trains_from_scratch(monkeypatch, tmp_path):
    monkeypatch.delenv(CLIP_REFINER.env, raising=False)
    monkeypatch.setattr(clip_refiner_weights, "CLIP_REFINER", replace(CLIP_REFINER, file=tmp_path / "none.pt"))
    assert pretrained_refiner() is None  # no file installed: no error either


def test_the_default_steps_are_fewer_from_pretrained_weights(weights, monkeypatch):
    monkeypatch.delenv("KEYFILL_ROTO_REFINE_STEPS", raising=False)
    monkeypatch.setenv(CLIP_REFINER.env, str(weights))
    assert refine_steps() == PRETRAINED_STEPS < DEFAULT_STEPS
    assert refine_steps(7) == 7
    monkeypatch.setenv(CLIP_REFINER.env, "none")
    assert refine_steps() == DEFAULT_STEPS


def test_the_shipped_weights_load_and_never_saw_the_validation_split():
    net, record = read_refiner_weights(CLIP_REFINER.file)
    assert CLIP_REFINER.file.stat().st_size < 1_000_000
    validation = {"tennis", "dance-jump", "hike", "lucia", "mallard-water", "scooter-gray", "bmx-trees"}
    assert record["clips"] and not validation & set(record["clips"])
