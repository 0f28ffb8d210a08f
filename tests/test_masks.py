"""core.masks: thresholding, size checks, folder indexing, atomic writes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import MaskError
from core.masks import mask_from_bool, mask_to_bool, read_mask, read_mask_folder, write_mask
from core.video import ClipInfo


def save(path: Path, image: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), image)
    return path


def clip_info(width=16, height=8, frame_count=20) -> ClipInfo:
    return ClipInfo(path=Path("clip.mp4"), width=width, height=height, frame_rate=Fraction(25),
                    frame_count=frame_count, duration=frame_count / 25, pix_fmt="yuv420p",
                    codec="h264", rotation=0, audio_streams=(), is_image_sequence=False)


def test_grey_values_are_thresholded_at_128(tmp_path):
    grey = np.array([[0, 127, 128, 255]], np.uint8)
    mask = read_mask(save(tmp_path / "m.png", grey))
    assert mask.dtype == np.uint8 and mask.tolist() == [[0, 0, 255, 255]]


def test_colour_and_alpha_masks(tmp_path):
    colour = np.zeros((2, 2, 3), np.uint8)
    colour[0, 0] = (0, 0, 128)  # BGR dark red, as in DAVIS palettes
    assert read_mask(save(tmp_path / "c.png", colour)).tolist() == [[255, 0], [0, 0]]
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 3] = [[255, 0], [0, 200]]  # black everywhere, shape in the alpha
    assert read_mask(save(tmp_path / "a.png", rgba)).tolist() == [[255, 0], [0, 255]]


def test_real_mask_files(shared_data):
    mask = read_mask(shared_data / "bmx-trees" / "masks" / "00000.png", (432, 240))
    assert mask.shape == (240, 432) and set(np.unique(mask)) <= {0, 255} and mask.any()


def test_size_mismatch_is_refused_unless_resizing(tmp_path):
    path = save(tmp_path / "m.png", np.full((4, 8), 255, np.uint8))
    with pytest.raises(MaskError, match=r"8x4.*16x8"):
        read_mask(path, (16, 8))
    resized = read_mask(path, (16, 8), resize=True)
    assert resized.shape == (8, 16) and resized.min() == 255


def test_unreadable_mask(tmp_path):
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(MaskError, match="bad.png"):
        read_mask(tmp_path / "bad.png")
    with pytest.raises(MaskError):
        read_mask(tmp_path / "missing.png")


def test_folder_is_indexed_by_the_number_in_the_name(tmp_path):
    save(tmp_path / "00012.png", np.full((8, 16), 255, np.uint8))
    save(tmp_path / "shot3_mask_2.png", np.zeros((8, 16), np.uint8))
    (tmp_path / "readme.txt").write_text("ignored")
    masks = read_mask_folder(tmp_path, clip_info())
    assert list(masks) == [2, 12]
    assert masks[12].min() == 255 and masks[2].max() == 0
    assert list(read_mask_folder(tmp_path, (16, 8))) == [2, 12]  # a size, no frame count


def test_folder_index_outside_the_clip(tmp_path):
    save(tmp_path / "00020.png", np.zeros((8, 16), np.uint8))
    with pytest.raises(MaskError, match=r"00020.png.*0\.\.19"):
        read_mask_folder(tmp_path, clip_info(frame_count=20))
    assert list(read_mask_folder(tmp_path, clip_info(), frame_count=21)) == [20]


def test_folder_errors(tmp_path):
    with pytest.raises(MaskError, match="no mask images"):
        read_mask_folder(tmp_path, clip_info())
    save(tmp_path / "00001.png", np.zeros((8, 16), np.uint8))
    save(tmp_path / "1.png", np.zeros((8, 16), np.uint8))
    with pytest.raises(MaskError, match="both for frame 1"):
        read_mask_folder(tmp_path, clip_info())


def test_write_mask_round_trip_is_atomic(tmp_path):
    mask = np.zeros((8, 16), np.uint8)
    mask[2:5, 3:9] = 255
    dest = tmp_path / "out" / "00003.png"
    write_mask(dest, mask)
    assert np.array_equal(read_mask(dest), mask)
    assert [p.name for p in dest.parent.iterdir()] == ["00003.png"]  # no temporary left behind
    write_mask(dest, mask_to_bool(mask) == False)  # noqa: E712 - overwrite with the inverse
    assert np.array_equal(read_mask(dest), 255 - mask)
    with pytest.raises(ValueError):
        write_mask(tmp_path / "m.jpg", mask)


def test_bool_conversions():
    mask = np.array([[0, 255]], np.uint8)
    assert mask_to_bool(mask).tolist() == [[False, True]]
    assert np.array_equal(mask_from_bool(mask_to_bool(mask)), mask)
