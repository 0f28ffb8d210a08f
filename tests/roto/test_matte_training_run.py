"""train-roto's run: what it holds out, how its examples are made and cached, bf16 and --resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.cli.main import build_parser, main
from core.model import autocast_dtype, build_model
from core.roto import matte_training_data
from core.roto.matte_training import MatteTrainSettings, train_matte_model
from core.roto.matte_training_data import (DEFAULT_LAYOUTS, EXAMPLE_OPTIONS, MatteSamples, build_examples,
                                           layout_keyframes)
from core.train.train_state import load_state, state_path
from core.validation_split import VALIDATION_SEQUENCES
from tests.roto_scenes import SlidingSquares, write_clip_folder

FRAMES = 12


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    scene = SlidingSquares([(8, 20, 3, 1)], size=24, frame_count=FRAMES)
    root = tmp_path_factory.mktemp("data")
    write_clip_folder(root / "squares", scene, FRAMES)
    return root


def test_a_plain_train_roto_never_trains_on_the_validation_split():
    args = build_parser().parse_args(["train-roto", "--data", "anywhere"])
    assert set(args.exclude) == set(VALIDATION_SEQUENCES)
    assert args.synthetic == 0 and args.layouts == list(DEFAULT_LAYOUTS)


def test_layouts_name_their_keyframes():
    assert layout_keyframes("first", 50) == [0]
    assert layout_keyframes("last", 50) == [49]
    assert layout_keyframes("20", 50) == [0, 20, 40]
    assert layout_keyframes("20+10", 50) == [10, 30]
    assert layout_keyframes("40", 30) == [0]
    with pytest.raises(ValueError, match="layout"):
        layout_keyframes("every", 50)


def test_examples_are_propagated_as_in_production_without_the_network_and_cached(data_root, tmp_path, monkeypatch):
    assert EXAMPLE_OPTIONS.matte_model is None, "a shipped network must never make its own training examples"
    assert EXAMPLE_OPTIONS.refine_steps is None and EXAMPLE_OPTIONS.reanchor, "the clip refiner runs as by default"
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "2")  # a fast refiner for the test
    calls = []
    real = matte_training_data.propagate_masks

    def counted(*args, **kwargs):
        calls.append(kwargs["options"])
        return real(*args, **kwargs)

    monkeypatch.setattr(matte_training_data, "propagate_masks", counted)
    folders = [data_root / "squares"]
    clips, examples = build_examples(folders, layouts=["first", "5"], cache=tmp_path)
    assert len(calls) == 2 and all(options is EXAMPLE_OPTIONS for options in calls)
    assert len(examples) == (FRAMES - 1) + (FRAMES - 3)
    assert len(list(tmp_path.rglob("*.npz"))) == 2
    again_clips, again = build_examples(folders, layouts=["first", "5"], cache=tmp_path)
    assert len(calls) == 2, "a rerun reads the cached propagations back"
    assert [(e.frame, e.keyframes) for e in again] == [(e.frame, e.keyframes) for e in examples]
    assert all(np.array_equal(a.prior, b.prior) for a, b in zip(again, examples))
    _, none = build_examples(folders, layouts=["first"], cache=tmp_path / "empty", deadline=0.0)
    assert none == [] and len(calls) == 2, "after the deadline no new propagation starts"


def test_training_runs_in_bf16_where_the_cpu_has_it_and_resumes_where_it_stopped(data_root, tmp_path, monkeypatch):
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "0")
    clips, examples = build_examples([data_root / "squares"], layouts=["first"], cache=None)
    samples = MatteSamples(clips, examples, crop=(16, 16))
    config = build_model("tiny", out_channels=1, output="mask_logits").config
    logged = []
    whole = train_matte_model(tmp_path / "whole.pt", samples, MatteTrainSettings(steps=4, batch=2, device="cpu"),
                              config=config, log=logged.append)
    precision = "bfloat16 autocast" if autocast_dtype("cpu", cpu_bfloat16=True) == torch.bfloat16 else "float32"
    assert precision in logged[0]
    part = train_matte_model(tmp_path / "part.pt", samples, MatteTrainSettings(steps=2, batch=2, device="cpu"),
                             config=config)
    assert part.step == 2 and state_path(tmp_path / "part.pt").is_file()
    assert load_state(tmp_path / "part.pt")["step"] == 2
    resumed = train_matte_model(tmp_path / "part.pt", samples, MatteTrainSettings(steps=4, batch=2, device="cpu"),
                                config=config, resume=True)
    assert resumed.step == 4 and len(resumed.history) == 4
    assert [row[1] for row in resumed.history[:2]] == [row[1] for row in part.history]
    # the scheduler and the sampler continue where the first half stopped
    assert np.allclose([r[1] for r in resumed.history], [r[1] for r in whole.history], rtol=0.05)


def test_train_roto_resume_continues_the_saved_run_with_its_settings(data_root, tmp_path, monkeypatch):
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "0")
    out = tmp_path / "roto.pt"
    common = ["train-roto", "--data", str(data_root), "--out", str(out), "--device", "cpu",
              "--example-cache", str(tmp_path / "cache")]
    assert main([*common, "--config", "tiny", "--steps", "2", "--batch", "2", "--layouts", "first", "--band-px", "8"]) == 0
    assert main([*common, "--resume", "--steps", "3"]) == 0
    state = load_state(out)
    assert state["step"] == 3 and state["run"]["args"]["band_px"] == 8.0 and state["run"]["layouts"] == ["first"]
    assert out.with_suffix(".losses.csv").read_text().splitlines()[0] == "step,loss,bce,dice,seconds"
    assert len(out.with_suffix(".losses.csv").read_text().splitlines()) == 4
