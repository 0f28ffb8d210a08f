"""``main.py render --frames``: a chunk of frames as PNGs, equal to the same frames of a whole render."""

import cv2
import numpy as np
import pytest

from core.cli.main import main
from tests.render.synthetic import synthetic_project, write_clip

COUNT = 24


@pytest.fixture(scope="module")
def clip_on_disk(tmp_path_factory):
    root = tmp_path_factory.mktemp("clip")
    _, frames, masks = synthetic_project(COUNT)
    return write_clip(root, frames, masks)


def read_png(path):
    return cv2.imread(str(path), cv2.IMREAD_COLOR)[:, :, ::-1]


def test_render_a_chunk_with_the_network(clip_on_disk, tiny_checkpoint, tmp_path):
    from core.render import NetworkClipRenderer, NetworkRenderer, load_removal_model

    out = tmp_path / "out"
    code = main(["render", str(clip_on_disk / "frames"), "--masks", str(clip_on_disk / "masks"),
                 "--frames", "3-6", "-o", str(out), "--method", "network", "--model", str(tiny_checkpoint),
                 "--device", "cpu"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{i:06d}.png" for i in range(3, 7)]
    project, frames, masks = synthetic_project(COUNT)
    whole = list(NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__,
                                            load_removal_model(tiny_checkpoint, device="cpu"))).frames())
    for i in range(3, 7):
        written = read_png(out / f"{i:06d}.png")
        assert np.array_equal(written, whole[i]), i
        assert not np.array_equal(written, frames[i])


def test_render_without_a_checkpoint_falls_back_with_a_note(clip_on_disk, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["render", str(clip_on_disk / "frames"), "--masks", str(clip_on_disk / "masks"),
                 "--frames", "20", "-o", str(out), "--model", str(tmp_path / "missing.pt")])
    assert code == 0
    assert "note:" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["000020.png"]


@pytest.mark.parametrize("args, message", [
    (["--frames", "20-30"], "outside the clip"),
    (["--method", "network"], "No removal model"),
])
def test_render_errors_are_one_line(clip_on_disk, tmp_path, capsys, args, message):
    code = main(["render", str(clip_on_disk / "frames"), "--masks", str(clip_on_disk / "masks"),
                 "-o", str(tmp_path / "out"), "--model", str(tmp_path / "missing.pt"), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_clip_needs_masks(clip_on_disk, tmp_path, capsys):
    assert main(["render", str(clip_on_disk / "frames"), "-o", str(tmp_path / "out")]) == 2
    assert "--masks" in capsys.readouterr().err
