"""``main.py render`` and ``export`` of a saved project keep the frames they render in the
project's store for the window's preview, under the keys the window computes when it opens the
project (issue 16: "frames rendered by export or by Remove are kept for the preview")."""

import numpy as np
import pytest

from core.cleaned_frames import CleanedFrames, frames_folder
from core.cli.main import main
from core.project import load_project, save_project
from core.project.from_clip import project_with_masks
from core.video import probe
from tests.render.test_render_cli import clip_on_disk, read_png  # noqa: F401 (a fixture)


@pytest.fixture
def saved(clip_on_disk, tmp_path):  # noqa: F811
    project = project_with_masks(probe(clip_on_disk / "frames"), clip_on_disk / "masks")
    project.update_settings(removal_method="flow")
    return save_project(project, tmp_path / "shot.keyfill")


def window_frames(path) -> CleanedFrames:
    """What the window opening ``path`` sees (no model chosen, device auto)."""
    return CleanedFrames(load_project(path))


def test_render_of_a_project_fills_the_window_s_store(saved, tmp_path, capsys):
    assert main(["render", str(saved), "--frames", "2-4", "-o", str(tmp_path / "out")]) == 0
    assert "kept 3 frames for the window's preview" in capsys.readouterr().out
    cleaned = window_frames(saved)
    assert cleaned.store.folder == frames_folder(saved)
    assert cleaned.frames() == {2, 3, 4}, "opening the project shows them without rendering again"
    for frame in (2, 3, 4):
        assert np.array_equal(cleaned.get(frame), read_png(tmp_path / "out" / f"{frame:06d}.png"))


def test_export_of_a_project_fills_the_window_s_store(saved, tmp_path):
    assert main(["export", str(saved), "-o", str(tmp_path / "clean.mp4")]) == 0
    assert (tmp_path / "clean.mp4").is_file()
    cleaned = window_frames(saved)
    assert cleaned.frames() == set(range(cleaned.project.clip.frame_count))


def test_frames_are_keyed_by_the_method_model_and_device_they_were_rendered_with(saved, tiny_checkpoint, tmp_path):
    network = ["--method", "network", "--model", str(tiny_checkpoint), "--device", "cpu"]
    assert main(["render", str(saved), "--frames", "0-1", "-o", str(tmp_path / "pre"), *network, "--prealign"]) == 0
    assert not frames_folder(saved).exists(), "--prealign: a render the window never makes, nothing kept"
    assert main(["render", str(saved), "--frames", "0-1", "-o", str(tmp_path / "net"), *network]) == 0
    assert window_frames(saved).frames() == set(), "the project says flow fill: the network's frames are not it"
    project = load_project(saved)
    project.update_settings(removal_method="network")
    same = CleanedFrames(project, chosen_model=tiny_checkpoint, device="cpu")
    assert same.frames() == {0, 1}, "a window rendering with that model on that device shows them"
    assert np.array_equal(same.get(1), read_png(tmp_path / "net" / "000001.png"))
    assert CleanedFrames(project, chosen_model=tiny_checkpoint, device="cuda").frames() == set()


def test_render_of_a_clip_with_masks_keeps_nothing(clip_on_disk, tmp_path):  # noqa: F811
    assert main(["render", str(clip_on_disk / "frames"), "--masks", str(clip_on_disk / "masks"), "--frames", "0-1",
                 "-o", str(tmp_path / "out"), "--method", "flow"]) == 0
    assert not list(clip_on_disk.glob("*.keyfill-frames")) and not list(tmp_path.glob("*.keyfill-frames"))


def test_a_folder_of_that_name_that_is_not_keyfill_s_is_left_alone(saved, tmp_path, capsys):
    folder = frames_folder(saved)
    folder.mkdir()
    (folder / "mine.txt").write_text("the user's")
    assert main(["render", str(saved), "--frames", "0-1", "-o", str(tmp_path / "out")]) == 0
    assert "not kept for the window's preview" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]


def test_a_farm_s_pngs_are_read_back_into_the_store(saved, tmp_path):
    from core.cli.preview_frames import preview_frames
    from core.farm import write_png
    from core.render import RemovalOptions

    project = load_project(saved)
    preview = preview_frames(project, RemovalOptions(), notice=print)
    out = tmp_path / "farm"
    out.mkdir()
    frames = {i: np.random.default_rng(i).integers(0, 256, (64, 96, 3), dtype=np.uint8) for i in (20, 21)}
    for index, frame in frames.items():
        write_png(out / f"{index:06d}.png", frame)
    preview.put_files(out, range(20, 23), print)  # 22: a chunk not written is skipped
    cleaned = window_frames(saved)
    assert cleaned.frames() == {20, 21} and np.array_equal(cleaned.get(21), frames[21])
