"""The window opening a clip whose masks are of another size says to resize them (no CLI flag)."""

import shutil

import cv2
import numpy as np


def test_the_window_says_to_resize_the_mask_file(make_window, qtbot, tmp_path):
    from tests.app.conftest import SAMPLE

    clip = tmp_path / "shot.mp4"
    shutil.copy(SAMPLE, clip)
    (tmp_path / "shot_masks").mkdir()
    cv2.imwrite(str(tmp_path / "shot_masks" / "00000.png"), np.zeros((120, 216), np.uint8))
    window = make_window(clip)
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=20000)
    assert window.last_error == ("Mask '00000.png' is 216x120 but the clip is 432x240; resize the mask to "
                                 "432x240.")
