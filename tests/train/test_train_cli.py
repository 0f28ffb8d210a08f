"""``main.py train`` and ``main.py finetune`` end to end with the tiny model."""

import torch

from core.cli.main import main
from core.model import build_model, load_checkpoint, save_checkpoint
from core.train import read_curve, state_path

SMALL = ["--crop", "64", "--frame-height", "64", "--device", "cpu", "--batch", "2",
         "--keyframes", "2", "--workers", "0"]


def test_train_then_resume(footage_dir, tmp_path, capsys):
    out = tmp_path / "models" / "keyfill-tiny.pt"
    args = ["train", "--config", "tiny", "--data", str(footage_dir), "--out", str(out),
            "--exclude", "heldout", *SMALL]
    assert main([*args, "--steps", "2", "--log-every", "1"]) == 0
    printed = capsys.readouterr().out
    assert "step 2/2" in printed and "steps/s" in printed and "loss" in printed
    assert out.is_file() and state_path(out).is_file()
    model, extra = load_checkpoint(out)
    assert extra["step"] == 2 and extra["training"]["excluded"] == ["heldout"]
    assert "heldout" not in extra["training"]["clips"]

    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--device", "cpu",
                 "--workers", "0"]) == 0  # the saved run's settings are reused
    assert load_checkpoint(out)[1]["step"] == 3
    assert [r["step"] for r in read_curve(out)] == [1, 2, 3]


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["train", "--config", "tiny", "--data", str(tmp_path), *SMALL,
                 "--out", str(tmp_path / "m.pt")]) == 2
    assert "No clips or images" in capsys.readouterr().err
    assert main(["train", "--config", "tiny", "--data", str(tmp_path), "--crop", "60",
                 "--out", str(tmp_path / "m.pt")]) == 2
    assert main(["train", "--out", str(tmp_path / "none.pt"), "--resume"]) == 2
    assert "No training state" in capsys.readouterr().err


def test_finetune_a_project(footage_dir, tmp_path):
    from core.project import save_project
    from core.project.from_clip import project_with_masks
    from core.video import probe

    project = project_with_masks(probe(footage_dir / "clipA" / "frames"),
                                 footage_dir / "clipA" / "masks")
    path = save_project(project, tmp_path / "clip.keyfill")
    init = save_checkpoint(tmp_path / "start.pt", build_model("tiny"))
    out = tmp_path / "tuned.pt"
    assert main(["finetune", str(path), "--steps", "2", "-o", str(out), "--init", str(init),
                 "--crop", "64", "--frame-height", "64", "--device", "cpu", "--batch", "2"]) == 0
    tuned, extra = load_checkpoint(out)
    start, _ = load_checkpoint(init)
    assert extra["step"] == 2 and extra["training"]["init"] == str(init)
    assert tuned.config == start.config
    assert any(not torch.equal(a, b) for a, b in
               zip(tuned.state_dict().values(), start.state_dict().values()))


def test_base_checkpoint_is_small_enough_to_ship(tmp_path):
    model = build_model("base")
    curve = [[float(i)] * 8 for i in range(500)]
    path = save_checkpoint(tmp_path / "keyfill-base.pt", model, extra={"loss_curve": curve})
    assert path.stat().st_size < 50 * 2**20


def test_resume_keeps_the_runs_own_length_unless_steps_is_given_again():
    from argparse import Namespace

    from core.cli.train_command import _restore_args

    saved = {"steps": 3000, "lr": 3e-4, "seed": 3}
    resumed = Namespace(steps=None, lr=3.2e-4, seed=0)
    _restore_args(resumed, saved)
    assert (resumed.steps, resumed.lr, resumed.seed) == (3000, 3e-4, 3)  # a 3000-step run stays one
    extended = Namespace(steps=4000, lr=3.2e-4, seed=0)
    _restore_args(extended, saved)
    assert extended.steps == 4000
