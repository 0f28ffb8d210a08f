"""The removal network on top of the flow fill (issue 13): examples made once and cached, crops of
them as samples, ``main.py train --config tiny_residual`` end to end with validation against the
flow fill and the rule for replacing the shipped checkpoint."""


import numpy as np
import pytest
import torch

from core.cli.main import main
from core.model import build_model, load_checkpoint, save_checkpoint
from core.train.footage import find_footage
from core.train.prealign_data import ExampleSettings, build_examples, load_examples
from core.train.prealign_run import ship_if_better
from core.train.prealign_samples import ClipExamples, CropSettings, PrealignSamples, to_network_inputs
from tests.train.conftest import write_clip

SETTINGS = ExampleSettings(tracks=1, targets=2)


def _examples(footage_dir, tmp_path):
    clips = find_footage(footage_dir, exclude=["heldout", "stills"], frame_height=64, crop=(32, 32))
    paths = build_examples(clips, clips, tmp_path / "cache", SETTINGS)
    return clips, paths


def test_examples_are_the_flow_fill_of_moving_holes_and_are_cached(footage_dir, tmp_path):
    clips, paths = _examples(footage_dir, tmp_path)
    arrays = load_examples(paths[0])
    clip = clips[0]
    assert arrays["prealigned"].shape == (2, *clip.size, 3)
    holes = [ClipExamples(clip.name, clip.frames, arrays).hole(i) for i in range(2)]
    assert all(h.any() for h in holes)
    for i, hole in enumerate(holes):
        t = int(arrays["target"][i])
        # outside the hole the prealign is the clean frame; the confidence lives in the hole only
        assert np.array_equal(arrays["prealigned"][i][~hole], clip.frames[t][~hole])
        assert not arrays["confidence"][i][~hole].any() and arrays["confidence"][i][hole].any()
        # the candidates the fill took the median of are kept, in the hole only
        counts, candidates = arrays["candidate_counts"][i], arrays["candidates"][i]
        assert not counts[~hole].any() and not candidates[:, ~hole].any() and counts[hole].any()
        assert candidates[0][counts >= 1].any()
    stamp = paths[0].stat().st_mtime_ns
    assert build_examples(clips, clips, tmp_path / "cache", SETTINGS) == paths
    assert paths[0].stat().st_mtime_ns == stamp  # read from the cache, not made again


def test_samples_are_deterministic_crops_with_8_channel_inputs(footage_dir, tmp_path):
    clips, paths = _examples(footage_dir, tmp_path)
    loaded = [ClipExamples(c.name, c.frames, load_examples(p)) for c, p in zip(clips, paths)]
    samples = PrealignSamples(loaded, CropSettings(crop=(32, 48), keyframes=2))
    a, b = samples[7], samples[7]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert a["target_rgb"].shape == (3, 32, 48) and a["flows"].shape == (2, 2, 32, 48)
    batch = {k: torch.stack([samples[i][k] for i in range(3)]) for k in a}
    target, keyframes, flows, consistency, truth, hole, weight = to_network_inputs(batch, torch.device("cpu"))
    assert target.shape == (3, 8, 32, 48) and keyframes.shape == (3, 2, 8, 32, 48)
    assert torch.equal(target[:, :3] * hole, torch.zeros_like(truth))  # the truth never leaks


def test_samples_with_the_flow_fill_s_candidates_give_4_channels_more_for_each(footage_dir, tmp_path):
    clips, paths = _examples(footage_dir, tmp_path)
    loaded = [ClipExamples(c.name, c.frames, load_examples(p)) for c, p in zip(clips, paths)]
    samples = PrealignSamples(loaded, CropSettings(crop=(32, 48), keyframes=2, candidates=True))
    batch = {k: torch.stack([samples[i][k] for i in range(3)]) for k in samples[0]}
    target, keyframes, *_, hole, _ = to_network_inputs(batch, torch.device("cpu"))
    assert target.shape == (3, 28, 32, 48) and keyframes.shape == (3, 2, 28, 32, 48)
    found = target[:, 11::4]
    assert torch.equal(found * (1 - hole), torch.zeros_like(found))  # candidates in the hole only
    assert found.sum() > 0
    # a keyframe's candidates are its known pixels, found wherever it is known
    assert torch.equal(keyframes[:, :, 8:11], keyframes[:, :, :3])
    assert torch.equal(keyframes[:, :, 11], 1 - keyframes[:, :, 3])


def test_train_cli_gives_a_model_the_candidates_from_its_starting_weights(footage_dir, tmp_path, capsys):
    start = tmp_path / "start.pt"
    save_checkpoint(start, build_model("tiny_residual", norm="group"))
    out = tmp_path / "run" / "model.pt"
    args = ["train", "--config", "tiny_residual", "--data", str(footage_dir), "--out", str(out),
            "--init", str(start), "--candidates", "5", "--candidate-blend",
            "--exclude", "heldout", "stills", "--cache", str(tmp_path / "cache"), "--crop", "32",
            "--frame-height", "64", "--tracks", "1", "--targets", "2", "--batch", "2",
            "--device", "cpu", "--steps", "2"]
    assert main(args) == 0
    assert "5 flow-fill candidates in (weighed)" in capsys.readouterr().out
    model, extra = load_checkpoint(out)
    assert model.config.candidate_inputs == 5 and model.config.in_channels == 28 and extra["step"] == 2
    assert model.config.candidate_blend


def test_train_cli_validates_against_the_flow_fill_and_ships_only_a_better_model(footage_dir, tmp_path, capsys):
    write_clip(tmp_path / "val" / "tennis", 12, seed=3)  # named like a validation clip
    out = tmp_path / "run" / "model.pt"
    args = ["train", "--config", "tiny_residual", "--data", str(footage_dir), "--out", str(out),
            "--exclude", "heldout", "stills", "--val-data", str(tmp_path / "val"),
            "--cache", str(tmp_path / "cache"), "--crop", "32", "--frame-height", "64",
            "--tracks", "1", "--targets", "2", "--batch", "2", "--device", "cpu",
            "--log-every", "1", "--steps", "2"]
    shipped = save_checkpoint(tmp_path / "shipped.pt", build_model("tiny_residual"),
                              extra={"validation_gain": 99.0})
    assert main(args + ["--ship", str(shipped)]) == 0
    printed = capsys.readouterr().out
    assert "step 2/2" in printed and "| tennis |" in printed and "flow fill" in printed
    # the shipped checkpoint is scored again on the same examples (an untrained correction: +0)
    assert "on the same examples: +0.00 dB" in printed
    model, extra = load_checkpoint(out)
    assert model.config.output == "residual_rgb" and extra["step"] == 2
    assert "heldout" not in extra["training"]["clips"]
    assert out.with_suffix(".validation.json").is_file()


def test_ship_if_better_keeps_the_better_checkpoint(tmp_path):
    candidate = save_checkpoint(tmp_path / "candidate.pt", build_model("tiny_residual"))
    shipped = tmp_path / "shipped.pt"
    assert not ship_if_better(candidate, shipped, -0.1, log=lambda m: None)  # worse than the flow fill
    assert not shipped.exists()
    assert ship_if_better(candidate, shipped, 0.5, log=lambda m: None)
    assert load_checkpoint(shipped)[1]["validation_gain"] == 0.5
    assert not ship_if_better(candidate, shipped, 0.4, log=lambda m: None)
    assert load_checkpoint(shipped)[1]["validation_gain"] == 0.5
    assert ship_if_better(candidate, shipped, 0.7, log=lambda m: None)
    # scored again on the same examples, the shipped one may do worse than its recorded gain
    assert ship_if_better(candidate, shipped, 0.6, shipped_score=0.3, log=lambda m: None)
    assert not ship_if_better(candidate, shipped, 0.2, shipped_score=0.3, log=lambda m: None)


@pytest.mark.parametrize("candidates", [False, True])
def test_finetune_a_project_with_the_flow_fill_correction_never_reads_the_object(footage_dir, tmp_path, capsys,
                                                                                 candidates):
    from core.project import save_project
    from core.project.from_clip import project_with_masks
    from core.train.project_footage import project_footage
    from core.train.prealign_data import make_clip_examples
    from core.video import probe

    project = project_with_masks(probe(footage_dir / "clipA" / "frames"), footage_dir / "clipA" / "masks")
    clip = project_footage(project, lambda i: np.asarray(
        __import__("cv2").imread(str(sorted((footage_dir / "clipA" / "frames").glob("*.png"))[i]))[:, :, ::-1]),
        frame_height=64, crop=(32, 32))[0]
    arrays = make_clip_examples("clipA", clip.frames, [(clip.frames, [u.astype(np.uint8) * 255 for u in clip.unknown])],
                                ExampleSettings(tracks=1, targets=2), unknown=clip.unknown)
    examples = ClipExamples("clipA", clip.frames, arrays)
    for i in range(2):
        t = int(arrays["target"][i])
        assert examples.hole(i)[clip.unknown[t]].all()  # the object is always hidden ...
        assert not examples.weight(i)[clip.unknown[t]].any()  # ... and never scored

    path = save_project(project, tmp_path / "clip.keyfill")
    start = build_model("tiny_residual")
    if candidates:  # a model that reads and weighs the flow fill's candidates tunes the same way
        from core.model.grow import with_candidate_inputs

        start = with_candidate_inputs(start, 5, blend=True)
    init = save_checkpoint(tmp_path / "start.pt", start)
    out = tmp_path / "tuned.pt"
    assert main(["finetune", str(path), "--steps", "2", "-o", str(out), "--init", str(init),
                 "--crop", "32", "--frame-height", "64", "--device", "cpu", "--batch", "2"]) == 0
    printed = capsys.readouterr().out
    assert "held out" in printed and "flow fill" in printed
    tuned, extra = load_checkpoint(out)
    assert tuned.config.output == "residual_rgb" and extra["step"] == 2
    assert tuned.config.candidate_blend == candidates


def test_with_no_shipped_model_fine_tuning_starts_from_a_fresh_correction_that_is_the_flow_fill(footage_dir, tmp_path):
    from core.model import ModelConfig
    from core.project.from_clip import project_with_masks
    from core.train import FinetuneOptions, TrainOptions
    from core.train.finetune import finetune_project
    from core.video import open_clip, probe

    project = project_with_masks(probe(footage_dir / "clipA" / "frames"), footage_dir / "clipA" / "masks")
    settings = TrainOptions(steps=1, batch=2, device="cpu", workers=0, save_every=100)
    with open_clip(footage_dir / "clipA" / "frames") as reader:
        result = finetune_project(project, reader.frame, tmp_path / "tuned.pt",
                                  FinetuneOptions(settings, fresh_config=ModelConfig.tiny_residual(), crop=(32, 32),
                                                  frame_height=64))
    # untrained, the correction is zero: the starting weights score exactly as the flow fill
    assert result.scores.before == result.scores.flow_fill
    assert load_checkpoint(tmp_path / "tuned.pt")[0].config.output == "residual_rgb"


def test_locked_holes_follow_the_scene_and_keep_the_older_caches_names(footage_dir, tmp_path):
    from core.train.prealign_data import cache_key

    assert cache_key("a", 24, ExampleSettings(6, 5, 0)) == cache_key("a", 24, ExampleSettings(6, 5, 0, locked=0))
    assert cache_key("a", 24, ExampleSettings(6, 5, 0, locked=2)) != cache_key("a", 24, ExampleSettings(6, 5, 0))
    clips = find_footage(footage_dir, exclude=["heldout", "stills"], frame_height=64, crop=(32, 32))
    paths = build_examples(clips, clips, tmp_path / "cache", ExampleSettings(tracks=0, targets=3, locked=1))
    arrays = load_examples(paths[0])
    examples = ClipExamples(clips[0].name, clips[0].frames, arrays)
    assert len(examples) == 3
    targets = [int(t) for t in arrays["target"]]
    centres = [np.nonzero(examples.hole(i))[1].mean() for i in range(3)]
    for i in (1, 2):  # the footage pans 1 px a frame: a hole fixed to the scene moves back as much
        assert abs((centres[i] - centres[0]) + (targets[i] - targets[0])) < 1.5, (targets, centres)


def test_shifted_holes_are_the_objects_own_track_moved_in_time():
    from core.train.prealign_data import HOLE_GROW, cache_key, shifted_hole

    assert cache_key("a", 24, ExampleSettings(6, 5, 0, shifted=2)) != cache_key("a", 24, ExampleSettings(6, 5, 0))
    count, size = 30, (40, 60)
    frames = [np.full((*size, 3), i, np.uint8) for i in range(count)]
    unknown = []
    for t in range(count):  # an object 6 px wide walking 1 px a frame
        u = np.zeros(size, bool)
        u[10:30, 5 + t:11 + t] = True
        unknown.append(u)
    holes, painted = shifted_hole(np.random.default_rng(0), frames, unknown)
    widths = [np.nonzero(h[20])[0] for h in holes]
    shift = widths[10][0] + HOLE_GROW - 15  # where the object is k frames away
    assert shift != 0 and all(len(w) == 6 + 2 * HOLE_GROW for w in widths)
    for t in (5, 15, 20):
        s = min(max(t + shift, 0), count - 1)
        assert widths[t][0] == 5 + s - HOLE_GROW
        assert painted[t] is None or painted[t] is frames[s]  # grey, or the object of that frame


def test_a_fine_tune_on_a_part_of_the_clip_keeps_every_kind_of_hole():
    from core.train.finetune_residual import _share_of

    assert _share_of(ExampleSettings(4, 5, 0, locked=2, shifted=8), 0.5) == ExampleSettings(2, 5, 0, locked=1, shifted=4)
    assert _share_of(ExampleSettings(0, 5, 0, shifted=8), 0.01) == ExampleSettings(0, 5, 0, shifted=1)
    assert _share_of(ExampleSettings(4, 5, 0), 0.01) == ExampleSettings(1, 5, 0)


def test_more_example_sets_are_parsed_or_refused_with_the_fix():
    from core.cli.train_prealign import parse_example_set
    from core.train import TrainingDataError

    assert parse_example_set("16:0:2", 6) == ExampleSettings(tracks=16, targets=6, seed=2)
    assert parse_example_set("8:4:3", 6) == ExampleSettings(tracks=8, targets=6, seed=3, locked=4)
    for bad in ("16:2", "a:b:c", "0:0:1", "-1:2:0"):
        with pytest.raises(TrainingDataError, match="--more-examples"):
            parse_example_set(bad, 6)


def test_several_example_sets_are_trained_on_together(footage_dir, tmp_path):
    from core.train.prealign_run import training_samples

    def count(examples):
        samples, _ = training_samples(footage_dir, tmp_path / "cache", exclude=["heldout", "stills"],
                                      frame_height=64, examples=examples, crop=CropSettings(crop=(32, 32)))
        return len(samples.index)

    other = ExampleSettings(tracks=1, targets=2, seed=5)
    assert count([SETTINGS, other]) == count(SETTINGS) + count(other) > count(SETTINGS)


def test_validation_runs_the_network_on_the_renderer_s_window(footage_dir, tmp_path, monkeypatch):
    """The trainer scores a run on the pass the renderer makes: the hole's window (here a small one,
    the clips being tiny). An untrained correction returns the flow fill there exactly, and only
    the window reaches the network."""
    from functools import partial

    from core.model import autocast
    from core.render.network_window import network_window
    from core.train import prealign_validation

    clips, paths = _examples(footage_dir, tmp_path)
    loaded = [ClipExamples(c.name, c.frames, load_examples(p)) for c, p in zip(clips, paths)]
    monkeypatch.setattr(prealign_validation, "network_window", partial(network_window, margin=0, minimum=8))
    model = build_model("tiny_residual", candidate_inputs=5, in_channels=28).eval()
    seen = []
    forward = model.forward
    model.forward = lambda target, *rest: seen.append(tuple(target.shape[-2:])) or forward(target, *rest)
    clip = loaded[0]
    for windowed in (True, False):
        _, hole, prealigned, output = prealign_validation._filled(model, clip, 0, torch.device("cpu"),
                                                                 autocast, windowed)
        assert np.array_equal(output, prealigned)
    assert seen[0][0] * seen[0][1] < hole.size and seen[1] == hole.shape
    result = prealign_validation.validate(model, loaded)
    assert result["gain"] == 0.0
