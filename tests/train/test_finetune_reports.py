"""Fine-tuning the shipped kind of model on a project reports the held-out score live: the flow
fill's and the starting weights' before training, the network's during it, and the scores after."""

import numpy as np

from core.model import build_model, save_checkpoint
from core.project.from_clip import project_with_masks
from core.train import FinetuneOptions, TrainOptions
from core.train.finetune import finetune_project
from core.video import open_clip, probe


def test_finetune_project_reports_the_baseline_and_each_validation(footage_dir, tmp_path):
    project = project_with_masks(probe(footage_dir / "clipA" / "frames"), footage_dir / "clipA" / "masks")
    init = save_checkpoint(tmp_path / "start.pt", build_model("tiny_residual"))
    baselines, validations, losses = [], [], []
    settings = TrainOptions(steps=2, batch=2, device="cpu", log_every=1, save_every=100)
    with open_clip(project.clip.path) as reader:
        result = finetune_project(project, reader.frame, tmp_path / "tuned.pt",
                                  FinetuneOptions(settings, init=init, crop=(32, 32), frame_height=64),
                                  on_step=lambda step, loss: losses.append(step),
                                  on_validation=lambda step, psnr: validations.append((step, psnr)),
                                  on_baseline=lambda flow_fill, before: baselines.append((flow_fill, before)))
    assert losses == [1, 2] and len(baselines) == 1
    flow_fill, before = baselines[0]
    assert np.isfinite([flow_fill, before]).all()
    assert before == result.scores.before and flow_fill == result.scores.flow_fill
    assert [step for step, _ in validations] == [2], "every 50 steps and at the last"
    assert validations == result.scores.history


def test_a_tune_that_scores_worse_held_out_keeps_the_starting_weights(monkeypatch, footage_dir, tmp_path):
    """The weights written are the best on the clip's held-out holes, the starting ones included."""
    import torch

    from core.model import load_checkpoint
    from core.train import prealign_validation

    scores = iter([20.0, 19.0, 18.5])  # before, at the last step, after: training made it worse

    def falling(model, held_out, cancel=None):
        return {"flow fill": 15.0, "network": next(scores)}

    monkeypatch.setattr(prealign_validation, "validate", falling)
    project = project_with_masks(probe(footage_dir / "clipA" / "frames"), footage_dir / "clipA" / "masks")
    start = build_model("tiny_residual")
    init = save_checkpoint(tmp_path / "start.pt", start)
    settings = TrainOptions(steps=2, batch=2, device="cpu", lr=1e-2, save_every=100)
    with open_clip(project.clip.path) as reader:
        result = finetune_project(project, reader.frame, tmp_path / "tuned.pt",
                                  FinetuneOptions(settings, init=init, crop=(32, 32), frame_height=64))
    assert result.scores.after == 20.0 and result.scores.history == [(2, 19.0)]
    tuned, extra = load_checkpoint(tmp_path / "tuned.pt")
    assert extra["kept_step"] == 0
    started, _ = load_checkpoint(init)
    for name, value in started.state_dict().items():
        assert torch.equal(tuned.state_dict()[name], value), name
