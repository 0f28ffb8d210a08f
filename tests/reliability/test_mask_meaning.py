"""Masks mean what the user drew: a cut-out's alpha, 0/1 labels, 16-bit and float scales. What
cannot be read as meant is refused naming the format; masks that would make removal pointless
(the whole frame, nothing at all) are told before any frame is decoded.

Before: an RGBA cut-out was read from its bright colour (87-100 % of the frame removed, an
all-black clip); 0/1 label PNGs (8- and 16-bit) and 0..1 float TIFFs read as empty; a mask of the
whole frame wrote an all-black clip with exit code 0.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.errors import MaskError
from core.masks import read_mask
from core.project import ClipRef, new_project
from core.project.mask_coverage import check_removal_masks
from tests.reliability.conftest import write_clip

OBJECT = np.zeros((8, 10), bool)
OBJECT[2:5, 3:7] = True


def _read(tmp_path: Path, name: str, image: np.ndarray) -> np.ndarray:
    assert cv2.imwrite(str(tmp_path / name), image)
    return read_mask(tmp_path / name, (10, 8))


def test_an_rgba_cut_out_is_read_from_its_alpha(tmp_path):
    cut_out = np.zeros((8, 10, 4), np.uint8)
    cut_out[..., :3] = 230  # bright colour everywhere, as a photo's sky would be
    cut_out[OBJECT, 3] = 255
    assert np.array_equal(_read(tmp_path, "cut.png", cut_out) > 0, OBJECT)
    opaque = np.dstack([np.where(OBJECT, 255, 0).astype(np.uint8)] * 3 + [np.full((8, 10), 255, np.uint8)])
    assert np.array_equal(_read(tmp_path, "opaque.png", opaque) > 0, OBJECT)  # a uniform alpha says nothing
    transparent = np.zeros((8, 10, 4), np.uint8)
    transparent[..., :3] = 255
    assert not _read(tmp_path, "transparent.png", transparent).any()


@pytest.mark.parametrize("name, image", [
    ("labels8.png", OBJECT.astype(np.uint8)),
    ("labels16.png", OBJECT.astype(np.uint16)),
    ("white16.png", OBJECT.astype(np.uint16) * 65535),
    ("eightbit_in16.png", OBJECT.astype(np.uint16) * 255),
    ("unit.tif", OBJECT.astype(np.float32)),
    ("float255.tif", OBJECT.astype(np.float32) * 255),
    ("labels.tif", OBJECT.astype(np.uint8)),
])
def test_labels_16_bit_and_float_masks_are_read_as_meant(tmp_path, name, image):
    mask = _read(tmp_path, name, image)
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 255}
    assert np.array_equal(mask > 0, OBJECT)


def test_float_masks_threshold_at_one_half_and_16_bit_at_32768(tmp_path):
    cv2.imwrite(str(tmp_path / "r.tif"), np.array([[0.0, 0.49, 0.5, 1.0]], np.float32))
    assert read_mask(tmp_path / "r.tif").tolist() == [[0, 0, 255, 255]]
    ramp16 = np.array([[0, 300, 32767, 32768, 65535]], np.uint16)
    cv2.imwrite(str(tmp_path / "r16.png"), ramp16)
    assert read_mask(tmp_path / "r16.png").tolist() == [[0, 0, 0, 255, 255]]


@pytest.mark.parametrize("name, image, said", [
    ("multi.png", OBJECT.astype(np.uint8) * 3,
     "Mask 'multi.png' would read as empty: it is an 8-bit image whose values go up to 3 but an object needs "
     "128 or more; save the object as 255 on 0, or as 1 on 0 in a PNG."),
    ("faint.tif", OBJECT.astype(np.float32) * 0.3,
     "Mask 'faint.tif' would read as empty: it is a 32-bit float image whose values go up to 0.3 but an object "
     "needs 0.5 or more; save the object as 255 on 0, or as 1 on 0 in a PNG."),
    ("depth.tif", OBJECT.astype(np.float32) * 1000,
     "Mask 'depth.tif' is a 32-bit float image with values up to 1000, beyond a mask's 0..1, 0..255 or "
     "0..65535; save it as an 8-bit PNG, the object 255 on 0."),
])
def test_masks_that_cannot_be_read_as_meant_are_refused_naming_the_format(tmp_path, name, image, said):
    with pytest.raises(MaskError) as error:
        _read(tmp_path, name, image)
    assert str(error.value) == said


def test_jpeg_noise_is_not_taken_for_labels(tmp_path):
    # a black JPEG with compression noise of 1s is an empty mask, not a 0/1 label image
    assert not _read(tmp_path, "noise.jpg", OBJECT.astype(np.uint8)).any()


def _project(masks: dict[int, np.ndarray], frames: int = 4):
    project = new_project(ClipRef(Path("c.mp4"), 10, 8, frames, Fraction(25)))
    for frame, mask in masks.items():
        project.set_mask(1, frame, mask)
    return project


def test_masks_covering_every_whole_frame_are_refused_before_removal():
    full = np.full((8, 10), 255, np.uint8)
    with pytest.raises(MaskError) as error:
        check_removal_masks(_project({f: full for f in range(4)}))
    assert str(error.value) == (
        "The masks cover the whole frame on every frame that has one (0-3), so no background is left to fill "
        "from; mask only the object, white on black (is the mask inverted?).")
    notices = []
    check_removal_masks(_project({0: full, 1: full, 2: OBJECT, 3: OBJECT}), notices.append)
    assert notices == ["The masks cover the whole of frames 0-1: filled from the other frames only."]


def test_empty_masks_say_nothing_will_change():
    notices = []
    check_removal_masks(_project({f: np.zeros((8, 10), np.uint8) for f in range(4)}), notices.append)
    assert notices == ["Every mask is empty, so nothing will be removed (the clip is written as it is); "
                       "check that the masks mark the object in white."]
    notices.clear()
    check_removal_masks(_project({0: OBJECT, 1: np.zeros((8, 10), np.uint8)}), notices.append)
    assert notices == []


def test_cli_removal_with_a_whole_frame_mask_exits_2_and_an_empty_one_notes_it(tmp_path, capsys):
    clip = write_clip(tmp_path / "clip.mp4", [i * 40 for i in range(4)])
    cv2.imwrite(str(tmp_path / "white.png"), np.full((48, 64), 255, np.uint8))
    cv2.imwrite(str(tmp_path / "black.png"), np.zeros((48, 64), np.uint8))
    assert main(["remove", str(clip), "--masks", str(tmp_path / "white.png"), "-o", str(tmp_path / "a.mp4")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("keyfill: error: The masks cover the whole frame") and err.count("\n") == 1
    assert not (tmp_path / "a.mp4").exists()
    assert main(["remove", str(clip), "--masks", str(tmp_path / "black.png"), "-o", str(tmp_path / "b.mp4"),
                 "--method", "flow"]) == 0
    assert "keyfill: note: Every mask is empty, so nothing will be removed" in capsys.readouterr().err


def test_cli_removal_with_an_rgba_cut_out_removes_the_object_only(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", [i * 40 for i in range(4)])
    cut_out = np.zeros((48, 64, 4), np.uint8)
    cut_out[..., :3] = 240
    cut_out[10:20, 10:20, 3] = 255
    cv2.imwrite(str(tmp_path / "cut.png"), cut_out)
    assert main(["remove", str(clip), "--masks", str(tmp_path / "cut.png"), "-o", str(tmp_path / "o.mp4"),
                 "--method", "flow", "--mattes", str(tmp_path / "mattes")]) == 0
    matte = cv2.imread(str(tmp_path / "mattes" / "00000.png"), cv2.IMREAD_GRAYSCALE)
    assert (matte > 0).mean() == pytest.approx(100 / (48 * 64))
