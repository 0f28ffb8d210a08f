"""Bounded work on hostile files: what a file declares is checked before anything it declares is
decoded, so a 2 KB file cannot cost gigabytes; and a project whose clip changed says so.

Before: a 2 KB ``.keyfill`` declaring a 20000x20000 clip with 64 mask entries naming one PNG used
5.1 GB and 3 minutes; a frame or mask whose header claimed a huge size raised Pillow's
``DecompressionBombError`` as a traceback; a project of 10 frames on a clip of 20 exported 10,
silently.
"""

from __future__ import annotations

import zipfile
from fractions import Fraction

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.errors import MaskError, ProjectError, VideoError
from core.masks import read_mask
from core.project import ClipRef, load_project, new_project, save_project
from core.project.clip_check import clip_mismatch
from core.video import open_clip, probe
from tests.reliability.conftest import write_clip
from tests.reliability.hostile import bounded, png_claiming, png_of_zeros, project_bytes


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("keyfill: error: ") and "\n" not in err and "Traceback" not in err
    return err


# -- projects --------------------------------------------------------------------------------------

def test_a_2kb_project_declaring_a_20000x20000_clip_is_refused_before_decoding(tmp_path):
    entries = {"masks/1/000000.png": png_of_zeros(2000, 2000)}  # stands for the one PNG they all name
    path = tmp_path / "bomb.keyfill"
    path.write_bytes(project_bytes(20000, 20000, 64, {f: "masks/1/000000.png" for f in range(64)}, entries))
    assert path.stat().st_size < 8 * 1024
    with bounded(seconds=2, megabytes=16), pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value) == ("bomb.keyfill declares a clip of 20000x20000 (400 million pixels), more than "
                                "Keyfill decodes (89 million); open its autosave or an earlier copy.")


def test_a_mask_compressed_beyond_what_an_image_compresses_is_refused_before_decoding(tmp_path):
    # a plausible 4000x4000 clip whose one mask entry is a zip-deflated PNG of zeros: 16 MB per frame from
    # ~50 bytes, 64 times, was 1 GB of masks from a 2 KB file
    entries = {"masks/1/000000.png": png_of_zeros(4000, 4000)}
    path = tmp_path / "zipped.keyfill"
    path.write_bytes(project_bytes(4000, 4000, 64, {f: "masks/1/000000.png" for f in range(64)}, entries))
    assert path.stat().st_size < 8 * 1024
    with bounded(seconds=2, megabytes=16), pytest.raises(ProjectError, match=r"zipped.keyfill is damaged"):
        load_project(path)


def test_a_mask_whose_header_is_not_the_clips_size_is_refused_before_decoding(tmp_path):
    entries = {"masks/1/000000.png": png_claiming(8000, 8000)}
    path = tmp_path / "lies.keyfill"
    path.write_bytes(project_bytes(64, 48, 4, {0: "masks/1/000000.png"}, entries, compression=zipfile.ZIP_STORED))
    with bounded(seconds=1, megabytes=4), pytest.raises(ProjectError, match="lies.keyfill is damaged"):
        load_project(path)


def test_many_entries_naming_one_image_decode_it_once_and_share_it(tmp_path):
    mask = np.zeros((480, 640), np.uint8)
    mask[100:200, 100:300] = 255
    entries = {"masks/1/000000.png": cv2.imencode(".png", mask)[1].tobytes()}
    path = tmp_path / "shared.keyfill"
    path.write_bytes(project_bytes(640, 480, 200, {f: "masks/1/000000.png" for f in range(200)}, entries,
                                   compression=zipfile.ZIP_STORED))
    with bounded(seconds=2, megabytes=4):  # one 0.3 MB decode and one 38 KB packed mask, not 200 of each
        project = load_project(path)
    assert project.mask_frames(1) == list(range(200))
    assert np.array_equal(project.mask(1, 199), mask)


def test_two_masks_for_one_frame_are_damage(tmp_path):
    png = cv2.imencode(".png", np.zeros((4, 6), np.uint8))[1].tobytes()
    path = tmp_path / "p.keyfill"
    path.write_bytes(project_bytes(6, 4, 2, [(0, "a.png"), (0, "b.png")], {"a.png": png, "b.png": png}))
    with pytest.raises(ProjectError, match=r"p.keyfill is damaged or not a Keyfill project \(ValueError\)"):
        load_project(path)


def test_a_project_whose_clip_on_disk_has_another_size_is_refused_before_decoding(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", [i * 40 for i in range(4)])  # 64x48
    entries = {"masks/1/000000.png": png_of_zeros(3000, 3000)}
    path = tmp_path / "other.keyfill"
    path.write_bytes(project_bytes(3000, 3000, 4, {0: "masks/1/000000.png"}, entries, clip=clip,
                                   compression=zipfile.ZIP_STORED))
    with bounded(seconds=2, megabytes=8), pytest.raises(ProjectError) as error:
        load_project(path)
    assert "other.keyfill was made on a 3000x3000 clip but 'clip.mp4' is 64x48" in str(error.value)
    assert "put the project's own clip back" in str(error.value)


@pytest.fixture
def changed_clip(tmp_path):
    """A project saved on a 20-frame clip (a mask on every frame); the clip is then cut to 10."""
    clip = write_clip(tmp_path / "clip.mp4", [i * 40 for i in range(20)])
    project = new_project(ClipRef(clip, 64, 48, 20, Fraction(25)))
    mask = np.zeros((48, 64), np.uint8)
    mask[10:20, 10:30] = 255
    for frame in range(20):
        project.set_mask(1, frame, mask)
    path = save_project(project, tmp_path / "p.keyfill")
    write_clip(clip, [i * 40 for i in range(10)])
    return path, clip


def test_a_project_whose_clip_changed_length_says_so_when_loaded(changed_clip):
    path, clip = changed_clip
    project = load_project(path)
    assert project.clip.frame_count == 20 and project.clip_on_disk.frame_count == 10
    message = clip_mismatch(project)
    assert message.startswith("p.keyfill was made on 20 frames at 25 fps of 'clip.mp4' but the clip now has "
                              "10 frames at 25 fps; re-probe the clip")
    project.reprobe(project.clip_on_disk)
    assert project.clip.frame_count == 10 and project.mask_frames(1) == list(range(10)) and project.dirty
    assert clip_mismatch(project) is None


def test_cli_export_of_a_project_whose_clip_changed_refuses_or_reprobes(changed_clip, capsys):
    path, clip = changed_clip
    out = path.with_name("out.mp4")
    err = _one_line_error(capsys, ["export", str(path), "-o", str(out), "--method", "flow"])
    assert "made on 20 frames" in err and "now has 10 frames" in err and "--reprobe" in err
    assert not out.exists()
    assert main(["export", str(path), "-o", str(out), "--method", "flow", "--reprobe"]) == 0
    assert "Re-probed 'clip.mp4': 10 frames at 25 fps (the project had 20 frames at 25 fps)" in capsys.readouterr().err
    assert probe(out).frame_count == 10


# -- image files whose header claims a huge size ---------------------------------------------------

@pytest.mark.parametrize("size, said", [((20000, 20000), "over 178 million pixels"),
                                        ((10000, 10000), "10000x10000 (100 million pixels)")])
def test_a_mask_file_claiming_a_huge_size_is_refused_before_decoding(tmp_path, size, said):
    path = tmp_path / "00000.png"
    path.write_bytes(png_claiming(*size))
    with bounded(seconds=1, megabytes=4), pytest.raises(MaskError) as error:
        read_mask(path, (64, 48))
    assert str(error.value) == (f"Mask '00000.png' is {said}, more than Keyfill decodes (89 million); "
                                "save the mask at the clip's size.")


def test_an_image_sequence_frame_claiming_a_huge_size_is_one_line(tmp_path, capsys):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "00000.png").write_bytes(png_claiming(20000, 20000))
    with bounded(seconds=1, megabytes=4), pytest.raises(VideoError, match=r"Frame '00000.png' is over 178 million"):
        probe(folder)
    err = _one_line_error(capsys, ["info", str(folder)])
    assert "replace or remove that file" in err


# -- settings and names ----------------------------------------------------------------------------

@pytest.mark.parametrize("width", ["0", "1", "-5"])
@pytest.mark.parametrize("command", ["remove", "roto", "render"])
def test_working_width_out_of_range_is_one_line(tmp_path, capsys, command, width):
    clip = write_clip(tmp_path / "clip.mp4", [i * 40 for i in range(4)])
    cv2.imwrite(str(tmp_path / "00000.png"), np.full((48, 64), 0, np.uint8))
    masks = tmp_path / "00000.png"
    argv = {"remove": ["remove", str(clip), "--masks", str(masks), "-o", str(tmp_path / "o.mp4")],
            "roto": ["roto", str(clip), "--keyframes", str(tmp_path), "-o", str(tmp_path / "masks")],
            "render": ["render", str(clip), "--masks", str(masks), "-o", str(tmp_path / "frames")]}[command]
    err = _one_line_error(capsys, [*argv, "--working-width", width])
    assert f"The working width {width} is out of range (64 to 8192 pixels)" in err
    assert not any(p.name in ("o.mp4", "masks", "frames") for p in tmp_path.iterdir())


def test_working_width_out_of_range_in_a_project_file(tmp_path):
    png = cv2.imencode(".png", np.zeros((4, 6), np.uint8))[1].tobytes()
    path = tmp_path / "w.keyfill"
    path.write_bytes(project_bytes(6, 4, 1, {0: "m.png"}, {"m.png": png}, settings={"working_width": 1}))
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value) == ("w.keyfill is damaged: the working width 1 is out of range (64 to 8192 pixels); "
                                "open its autosave or an earlier copy.")


@pytest.mark.parametrize("size", [(8, 8), (16, 4)])
def test_clips_under_12_pixels_are_removed_and_rotoscoped(tmp_path, capsys, size):
    width, height = size
    folder = tmp_path / "tiny"
    folder.mkdir()
    for i in range(6):
        cv2.imwrite(str(folder / f"{i:03d}.png"), np.full((height, width, 3), 40 * i, np.uint8))
    keyframes = tmp_path / "keys"
    keyframes.mkdir()
    mask = np.zeros((height, width), np.uint8)
    mask[1:3, 1:3] = 255
    cv2.imwrite(str(keyframes / "00000.png"), mask)
    assert main(["roto", str(folder), "--keyframes", str(keyframes), "-o", str(tmp_path / "masks"),
                 "--refine-steps", "5", "--roto-model", "none"]) == 0
    assert main(["remove", str(folder), "--masks", str(tmp_path / "masks"), "-o", str(tmp_path / "o.mp4"),
                 "--method", "flow"]) == 0
    with open_clip(tmp_path / "o.mp4") as reader:
        assert (reader.info.width, reader.info.height, len(reader)) == (width, height, 6)


def test_masks_named_with_a_version_after_the_frame_number(tmp_path):
    from core.masks import read_mask_folder

    for frame in range(5):
        mask = np.zeros((4, 6), np.uint8)
        mask[0, frame] = 255
        cv2.imwrite(str(tmp_path / f"shot_{frame:04d}_v2.png"), mask)
    masks = read_mask_folder(tmp_path, (6, 4), 5)
    assert list(masks) == [0, 1, 2, 3, 4] and all(masks[f][0, f] == 255 for f in range(5))
    cv2.imwrite(str(tmp_path / "shot_0002_v3.png"), np.zeros((4, 6), np.uint8))  # two numbers change now
    with pytest.raises(MaskError) as error:
        read_mask_folder(tmp_path, (6, 4), 5)
    assert str(error.value).startswith("Masks 'shot_0000_v2.png' and 'shot_0001_v2.png' are both for frame 2 "
                                       "(a mask's frame is the number in its name that changes from file to file, "
                                       "else the last one)")
    assert "rename them by frame number (00012.png) or remove one" in str(error.value)
