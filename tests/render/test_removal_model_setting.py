"""A project's own removal model (the weights fine-tuned on its clip): a setting saved with the
project, checked on load, found again beside the project when its folder moved, and loadable by
the renderer (a model that corrects the flow fill is a removal model)."""

import json
import shutil
import zipfile
from fractions import Fraction

import pytest

from core.errors import ProjectError, SettingsError
from core.project import ClipRef, ProjectSettings, load_project, new_project, save_project
from core.render.model_finder import load_removal_model, project_model


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "shot"
    folder.mkdir()
    clip = folder / "clip.mp4"
    clip.write_bytes(b"not opened by the project")
    return new_project(ClipRef(clip, width=40, height=30, frame_count=12, frame_rate=Fraction(25)), ["car"])


def rewrite_settings(path, **changes):
    """Rewrite the saved manifest's settings as an older or a damaged Keyfill might have."""
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(entries["manifest.json"])
    for key, value in changes.items():
        if value is None:
            manifest["settings"].pop(key)
        else:
            manifest["settings"][key] = value
    entries["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_the_removal_model_is_saved_with_the_project_and_read_back(project, tmp_path):
    tuned = tmp_path / "shot" / "shot.keyfill-model.pt"
    assert project.settings.removal_model == "" and project_model(project) is None
    project.update_settings(removal_model=str(tuned))
    path = save_project(project, tmp_path / "shot" / "shot.keyfill")
    loaded = load_project(path)
    assert loaded.settings.removal_model == str(tuned)
    assert project_model(loaded) == tuned, "recorded, even before the file exists (loading it says what is missing)"


def test_a_project_saved_before_the_setting_existed_loads_with_the_shipped_model(project, tmp_path):
    path = save_project(project, tmp_path / "shot" / "shot.keyfill")
    rewrite_settings(path, removal_model=None)
    assert load_project(path).settings.removal_model == ""


@pytest.mark.parametrize("damage", [5, ["a.pt"], "a\0b.pt", "x" * 5000])
def test_a_damaged_removal_model_setting_is_a_damaged_project(project, tmp_path, damage):
    path = save_project(project, tmp_path / "shot" / "shot.keyfill")
    rewrite_settings(path, removal_model=damage)
    with pytest.raises(ProjectError, match="damaged"):
        load_project(path)


def test_the_setting_checks_itself():
    with pytest.raises(SettingsError, match="removal model"):
        ProjectSettings(removal_model="a\0b.pt")
    assert ProjectSettings(removal_model="tuned.pt").removal_model == "tuned.pt"


def test_moved_with_its_project_the_model_is_found_beside_it(project, tmp_path):
    from core.model import build_model, save_checkpoint

    tuned = save_checkpoint(tmp_path / "shot" / "shot.keyfill-model.pt", build_model("tiny_residual"))
    project.update_settings(removal_model=str(tuned))
    save_project(project, tmp_path / "shot" / "shot.keyfill")
    shutil.move(tmp_path / "shot", tmp_path / "moved")
    loaded = load_project(tmp_path / "moved" / "shot.keyfill")
    assert project_model(loaded) == tmp_path / "moved" / "shot.keyfill-model.pt"


def test_a_model_that_corrects_the_flow_fill_loads_as_a_removal_model(tmp_path):
    from core.model import build_model, save_checkpoint

    path = save_checkpoint(tmp_path / "tuned.pt", build_model("tiny_residual"))
    loaded = load_removal_model(path, device="cpu")
    assert loaded.model.config.output == "residual_rgb" and loaded.path == path
