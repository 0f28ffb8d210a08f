"""Fine-tuning footage: the project's object pixels are never truth."""

import numpy as np
import pytest

from core.project import save_project
from core.project.from_clip import project_with_masks
from core.train import SampleSettings, TrainingDataError
from core.train.project_footage import project_footage
from core.train.samples import samples_from_clips
from core.video import open_clip, probe


@pytest.fixture
def project(footage_dir, tmp_path):
    """The panning clip, its ellipse masked on frames 0-9 and 14-23 only."""
    masks = tmp_path / "masks"
    masks.mkdir()
    for path in sorted((footage_dir / "clipA" / "masks").iterdir()):
        if not 10 <= int(path.stem) <= 13:
            (masks / path.name).write_bytes(path.read_bytes())
    project = project_with_masks(probe(footage_dir / "clipA" / "frames"), masks)
    save_project(project, tmp_path / "clip.keyfill")
    return project


def test_masked_frames_become_footage_with_the_object_unknown(project):
    with open_clip(project.clip.path) as reader:
        clips = project_footage(project, reader.frame, frame_height=64, crop=(64, 64))
    assert [len(c.frames) for c in clips] == [10, 10]  # split where frames have no mask
    mask = project.removal_mask(3) > 0
    unknown = clips[0].unknown[3]
    assert unknown[mask].all() and unknown.sum() > mask.sum()  # the mask, grown
    assert clips[0].shapes  # holes shaped like the object itself


def test_samples_never_take_truth_inside_the_object(project):
    with open_clip(project.clip.path) as reader:
        clips = project_footage(project, reader.frame, frame_height=64, crop=(64, 64))
    samples = samples_from_clips(clips, SampleSettings(crop=(64, 64), keyframes=2,
                                                       real_keyframes=1.0), threads=2)
    for n in range(10):
        s = samples[n]
        unknown = s["weight"] == 0
        assert unknown.sum() > 100, "the object is in every crop of this clip"
        assert (s["hole"][unknown] == 1).all(), "unknown pixels are always hidden"
        # real keyframes hide their own object too: at least its grown ellipse's share
        for k in range(2):
            assert s["key_hole"][k].float().mean() > 0.05


def test_a_project_without_masks_cannot_be_fine_tuned(footage_dir):
    project = project_with_masks(probe(footage_dir / "clipA" / "frames"), None)
    with pytest.raises(TrainingDataError, match="no object masks"):
        project_footage(project, lambda i: np.zeros((64, 96, 3), np.uint8))


def test_finetune_project_trains_reports_each_step_and_saves(project, tmp_path):
    from core.model import ModelConfig, load_checkpoint
    from core.train import FinetuneOptions, TrainOptions
    from core.train.finetune import finetune_project

    seen, stages = [], set()
    settings = TrainOptions(steps=3, batch=2, device="cpu", log_every=1, save_every=100)
    with open_clip(project.clip.path) as reader:
        result = finetune_project(
            project, reader.frame, tmp_path / "tuned.pt",
            FinetuneOptions(settings, fresh_config=ModelConfig.tiny(), crop=(64, 64), frame_height=64, max_pairs=20),
            progress=lambda done, total, message="": stages.add(message.split(":")[0]),
            on_step=lambda step, loss: seen.append((step, loss)))
    assert [step for step, _ in seen] == [1, 2, 3] and all(loss > 0 for _, loss in seen)
    assert result.step == 3 and {"Reading frames", "Computing flow"} <= stages
    model, extra = load_checkpoint(tmp_path / "tuned.pt")
    assert model.config == ModelConfig.tiny()
