"""The learned correction of propagated mattes: model wiring, training, CLI and evaluation."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from core.cli.main import main
from core.errors import ModelError
from core.eval.roto_eval import evaluate_roto, roto_summary_markdown, roto_table_markdown
from core.model import build_model, save_checkpoint
from core.render.model_finder import load_removal_model
from core.roto import RotoOptions, propagate_masks
from core.roto.matte_model import load_matte_model
from core.roto.matte_training import MatteTrainSettings, matte_loss, train_matte_model
from core.roto.matte_training_data import MatteExample, MatteSamples, MatteTrainingClip
from core.roto.synthetic_clips import _fit, synthetic_roto_clip
from core.flow import FlowField
from tests.roto_scenes import SlidingSquares, write_clip_folder

FRAMES = 24


def tiny_roto_model():
    return build_model("tiny", out_channels=1, output="mask_logits")


@pytest.fixture(scope="module")
def scene() -> SlidingSquares:
    return SlidingSquares([(10, 30, 4, 2)], size=32, frame_count=FRAMES)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory, scene) -> Path:
    root = tmp_path_factory.mktemp("data")
    write_clip_folder(root / "squares", scene, FRAMES)
    return root


def test_an_untrained_model_leaves_the_propagation_as_it_was(tmp_path, scene):
    path = save_checkpoint(tmp_path / "roto.pt", tiny_roto_model())
    model = load_matte_model(path, device="cpu")
    keyframes = {0: scene.mask(0), 20: scene.mask(20)}
    plain = propagate_masks(scene.frame, FRAMES, keyframes)
    corrected = propagate_masks(scene.frame, FRAMES, keyframes, options=RotoOptions(matte_model=model))
    for frame in range(FRAMES):
        assert np.array_equal(plain[frame].mask, corrected[frame].mask), frame
    assert np.array_equal(corrected[20].mask, keyframes[20]) and corrected[20].is_keyframe


def test_a_model_that_flips_its_prior_changes_the_masks(tmp_path, scene):
    """The correction is applied: a last layer biased to -20 erases every propagated mask."""
    net = tiny_roto_model()
    last = [m for m in net.decoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.constant_(last.bias, -20.0)
    model = load_matte_model(save_checkpoint(tmp_path / "erase.pt", net), device="cpu")
    result = propagate_masks(scene.frame, FRAMES, {0: scene.mask(0)}, frames=[5, 6],
                             options=RotoOptions(matte_model=model))
    assert result[5].mask.max() == 0 and result[6].mask.max() == 0
    assert scene.mask(5).max() == 255


def test_a_removal_checkpoint_is_not_a_roto_model_and_the_other_way_round(tmp_path):
    removal = save_checkpoint(tmp_path / "removal.pt", build_model("tiny"))
    roto = save_checkpoint(tmp_path / "roto.pt", tiny_roto_model())
    with pytest.raises(ModelError, match="not a rotoscoping model"):
        load_matte_model(removal, device="cpu")
    with pytest.raises(ModelError, match="not a removal model"):
        load_removal_model(roto, device="cpu")
    with pytest.raises(ModelError, match="train-roto"):
        load_matte_model(tmp_path / "missing.pt", device="cpu")


def test_training_learns_to_correct_a_drifted_prior(tmp_path, scene):
    """Priors shifted 6 px off the object: the trained model's masks overlap the truth better."""
    frames = [scene.frame(i) for i in range(FRAMES)]
    truth = [(scene.mask(i) > 0).astype(np.uint8) for i in range(FRAMES)]
    clip = MatteTrainingClip("squares", frames, truth, FlowField(frames.__getitem__, FRAMES, working_width=None))
    examples = [MatteExample(0, f, np.roll(truth[f] * 255, 6, axis=1), (f - 1, f + 1)) for f in range(1, FRAMES - 1)]
    samples = MatteSamples([clip], examples, crop=(64, 64))
    settings = MatteTrainSettings(steps=40, batch=4, lr=3e-3, warmup=5, device="cpu", save_every=1000)
    result = train_matte_model(tmp_path / "roto.pt", samples, settings, config=tiny_roto_model().config)
    losses = [row[1] for row in result.history]
    assert result.step == 40 and np.mean(losses[-10:]) < 0.7 * np.mean(losses[:10])
    model = load_matte_model(tmp_path / "roto.pt", device="cpu")

    def iou(a, b):
        return (a & b).sum() / max(1, (a | b).sum())

    before, after = [], []
    for example in examples[::4]:
        prior = example.prior / 255.0
        corrected = model.refine(example.frame, prior, example.keyframes, {k: truth[k] * 255 for k in example.keyframes},
                                 frames.__getitem__, clip.flow)
        before.append(iou(prior > 0.5, truth[example.frame] > 0))
        after.append(iou(corrected > 0.5, truth[example.frame] > 0))
    assert np.mean(after) > np.mean(before) + 0.05


def test_the_loss_is_low_for_a_right_prior_and_high_for_a_wrong_one():
    truth = torch.zeros(1, 1, 8, 8)
    truth[..., 2:6, 2:6] = 1
    zero = torch.zeros_like(truth)
    right, _, _ = matte_loss(zero, truth, truth, 0.5)
    wrong, _, _ = matte_loss(zero, 1 - truth, truth, 0.5)
    fixed, _, _ = matte_loss(8 * (2 * truth - 1), 1 - truth, truth, 0.5)
    assert right < 0.1 < wrong and fixed < wrong


def test_train_roto_writes_a_model_that_roto_and_eval_use(tmp_path, data_root, scene, capsys):
    out = tmp_path / "keyfill-roto.pt"
    assert main(["train-roto", "--data", str(data_root), "--config", "tiny", "--steps", "2", "--batch", "2", "--layouts", "10", "--synthetic", "1", "--band-px", "12",
                 "--device", "cpu", "--out", str(out), "--example-cache", "none"]) == 0
    assert out.is_file() and out.with_suffix(".losses.csv").read_text().startswith("step,loss")
    model = load_matte_model(out, device="cpu")
    assert model.extra["training"]["clips"] == ["squares"] and model.extra["step"] == 2
    assert model.band_px == 12.0, "the model corrects within the band it was trained with"
    assert model.extra["training"]["examples"] > (FRAMES - 3) + 39  # the real clip's and a synthetic one's

    keys = tmp_path / "keys"
    keys.mkdir()
    cv2.imwrite(str(keys / "00000.png"), scene.mask(0))
    masks = tmp_path / "masks"
    clip = data_root / "squares" / "frames"
    assert main(["roto", str(clip), "--keyframes", str(keys), "-o", str(masks), "--roto-model", str(out)]) == 0
    assert f"correcting propagated mattes with {out}" in capsys.readouterr().out
    assert len(list(masks.glob("*.png"))) == FRAMES

    rows = evaluate_roto(data_root, matte_model=model)
    assert {r["method"] for r in rows} == {"baseline", "propagation", "learned"}
    assert "learned J&F" in roto_table_markdown(rows)
    summary = roto_summary_markdown(rows)
    assert "| 1 keyframe | learned | 1 |" in summary and "(network " in summary
    assert main(["train-roto", "--data", str(data_root), "--exclude", "squares", "--out", str(out)]) == 2


def test_synthetic_clips_paste_a_moving_object_whose_masks_are_exact(scene):
    footage = [scene.frame(i) for i in range(FRAMES)]
    frames, masks = synthetic_roto_clip(footage, footage, np.random.default_rng(3), frame_count=12)
    assert len(frames) == len(masks) == 12
    assert frames[0].shape == (240, 432, 3) and masks[0].shape == (240, 432)
    backgrounds = [_fit(f).astype(int) for f in footage]
    for frame, mask in zip(frames, masks):
        away = cv2.dilate(mask, np.ones((5, 5), np.uint8)) == 0
        # away from the object the frame is one of the footage's frames, untouched
        assert min(np.abs(frame.astype(int) - b)[away].max() for b in backgrounds) == 0
    centres = [np.argwhere(m).mean(axis=0) for m in masks if m.any()]
    assert len(centres) >= 10 and np.abs(centres[-1] - centres[0]).max() > 5, "the object moves"


def test_keyframes_are_encoded_once_per_segment_and_give_the_same_correction(scene):
    from core.roto.matte_model import MatteKeyframe, MatteModel, network_inputs

    torch.manual_seed(0)
    net = tiny_roto_model().eval()
    last = [m for m in net.decoder.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.normal_(last.weight, std=0.1)  # a correction that is not zero
    model = MatteModel(net, torch.device("cpu"), Path("memory"), {})
    flow = FlowField(scene.frame, FRAMES, working_width=None)
    keys = [MatteKeyframe(scene.frame(k), (scene.mask(k) > 0).astype(np.float32), flow.flow(5, k), flow.consistency(5, k))
            for k in (0, 10)]
    calls = []
    original = net.encode_keyframes
    net.encode_keyframes = lambda x: calls.append(1) or original(x)
    for frame in (5, 6):
        prior = (scene.mask(frame) > 0).astype(np.float32)
        got = model.correction(scene.frame(frame), prior, keys)
        arrays = network_inputs(scene.frame(frame), prior, keys)
        with torch.inference_mode():
            expected = net(*(torch.from_numpy(a)[None] for a in arrays))[0, 0].numpy()
        assert np.allclose(got, expected, atol=1e-5) and np.abs(got).max() > 1e-3
    assert len(calls) == 1 + 2, "once for both frames by the model, twice by the direct reference"
