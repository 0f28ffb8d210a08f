"""``main.py render`` and ``export`` of a saved project use the weights fine-tuned on its clip
(its ``removal_model`` setting) unless ``--model`` says otherwise."""

import pytest

from core.cli.main import main
from core.project import save_project
from core.project.from_clip import project_with_masks
from core.video import probe
from tests.render.test_render_cli import clip_on_disk, read_png  # noqa: F401 (a fixture)


@pytest.fixture
def saved(clip_on_disk, tmp_path):  # noqa: F811
    def save(model) -> str:
        project = project_with_masks(probe(clip_on_disk / "frames"), clip_on_disk / "masks")
        project.update_settings(removal_model=str(model))
        return str(save_project(project, tmp_path / "shot.keyfill"))

    return save


@pytest.mark.parametrize("command", [["render", "-o", "frames"], ["export", "-o", "clean.mp4"]])
def test_the_project_s_own_model_is_the_one_read(saved, tmp_path, capsys, command):
    path = saved(tmp_path / "shot.keyfill-model.pt")  # recorded, but gone
    name, flag, out = command
    assert main([name, path, flag, str(tmp_path / out), "--method", "network"]) == 2
    assert f"No removal model at {tmp_path / 'shot.keyfill-model.pt'}" in capsys.readouterr().err


def test_render_with_the_project_s_model_equals_render_with_it_named(saved, tiny_checkpoint, tmp_path):
    path = saved(tiny_checkpoint)
    assert main(["render", path, "--frames", "4-5", "-o", str(tmp_path / "own"), "--method", "network",
                 "--device", "cpu"]) == 0
    assert main(["render", path, "--frames", "4-5", "-o", str(tmp_path / "named"), "--method", "network",
                 "--device", "cpu", "--model", str(tiny_checkpoint)]) == 0
    for name in ("000004.png", "000005.png"):
        assert (read_png(tmp_path / "own" / name) == read_png(tmp_path / "named" / name)).all()
