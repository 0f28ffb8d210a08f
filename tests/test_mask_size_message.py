"""A mask of another size than the clip: the command line names its flag (``--resize-masks``), the
window (which has none) says to resize the file."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.errors import MaskError, MaskSizeError
from core.masks import read_mask

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "samples" / "bmx-trees.mp4"


@pytest.fixture
def small_masks(tmp_path) -> Path:
    folder = tmp_path / "masks"
    folder.mkdir()
    for frame in (0, 40):
        cv2.imwrite(str(folder / f"{frame:05d}.png"), np.zeros((120, 216), np.uint8))
    return folder


@pytest.mark.parametrize("command", ["remove", "roto"])
def test_the_cli_names_the_flag(small_masks, tmp_path, capsys, command):
    where = ["--masks", str(small_masks), "--propagate"] if command == "remove" else ["--keyframes", str(small_masks)]
    assert main([command, str(SAMPLE), *where, "-o", str(tmp_path / ("out.mp4" if command == "remove" else "out"))]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("keyfill: error: Mask '00000.png' is 216x120 but the clip is 432x240; resize the mask to "
                   "432x240 or pass --resize-masks.")


def test_with_the_flag_the_masks_are_resized(small_masks):
    mask = read_mask(small_masks / "00000.png", (432, 240), resize=True)
    assert mask.shape == (240, 432)


def test_the_library_message_names_no_flag(small_masks):
    with pytest.raises(MaskSizeError) as caught:
        read_mask(small_masks / "00000.png", (432, 240))
    assert isinstance(caught.value, MaskError)
    assert str(caught.value) == "Mask '00000.png' is 216x120 but the clip is 432x240; resize the mask to 432x240."
    assert caught.value.clip_size == (432, 240)
