"""Masks that are not what the pipeline wants: refused with a MaskError naming the fix, or
normalised the documented way.

Already covered elsewhere: masks of the wrong size (tests/test_masks.py, tests/test_project.py,
tests/roto/test_propagate.py, the CLI's ``mask_size`` / ``static_mask_size``), the wrong count without
--propagate (tests/test_cli.py ``mask_count``), keyframes outside the clip in a mask folder, the
project and rotoscoping (test_masks, test_project, roto/test_propagate), frames without a mask at removal
(tests/render/test_removal.py).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.errors import MaskError
from core.export import export_mattes
from core.project import ClipRef, MaskKind, new_project
from core.render import RemovalOptions, removed_frames
from core.roto import RotoOptions, project_keyframes, propagate_masks, propagate_project
from tests.render.synthetic import frames_and_masks

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "bmx-trees.mp4"
WIDTH, HEIGHT = 96, 64  # tests.render.synthetic's clip


def _project(count: int = 8):
    frames, masks = frames_and_masks(count)
    project = new_project(ClipRef(Path("synthetic.mp4"), WIDTH, HEIGHT, count, Fraction(25)))
    return project, frames, masks


@pytest.mark.parametrize("soft", [
    np.linspace(0, 255, WIDTH * HEIGHT).reshape(HEIGHT, WIDTH).astype(np.uint8),  # a soft matte
    np.linspace(0, 1, WIDTH * HEIGHT).reshape(HEIGHT, WIDTH).astype(np.float32),  # 0..1 float
    (np.arange(WIDTH * HEIGHT).reshape(HEIGHT, WIDTH) % 3).astype(np.uint16),  # label image
    np.eye(HEIGHT, WIDTH, dtype=bool),
])
def test_non_binary_masks_are_stored_as_0_or_255_nonzero_is_object(soft):
    project, _, _ = _project()
    object_id = project.objects[0].id
    project.set_mask(object_id, 3, soft)
    stored = project.mask(object_id, 3)
    assert stored.dtype == np.uint8 and set(np.unique(stored)) <= {0, 255}
    assert np.array_equal(stored > 0, np.asarray(soft) > 0)


def test_a_soft_mask_file_is_thresholded_at_128_when_read(tmp_path):
    from core.masks import read_mask

    matte = np.tile(np.arange(256, dtype=np.uint8), (4, 1))
    cv2.imwrite(str(tmp_path / "soft.png"), matte)
    mask = read_mask(tmp_path / "soft.png", (256, 4))
    assert set(np.unique(mask)) == {0, 255} and (mask[0] == 255).sum() == 128


def test_empty_masks_remove_nothing_and_mattes_are_empty(tmp_path):
    project, frames, _ = _project(6)
    object_id = project.objects[0].id
    for i in range(6):
        project.set_mask(object_id, i, np.zeros((HEIGHT, WIDTH), np.uint8))
    out = list(removed_frames(project, frames.__getitem__, RemovalOptions("flow")))
    assert len(out) == 6 and all(np.array_equal(a, b) for a, b in zip(out, frames))
    folder = export_mattes((project.removal_mask(i) for i in range(6)), _info(6), tmp_path / "mattes")
    assert len(list(folder.glob("*.png"))) == 6
    assert all(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE).max() == 0 for p in folder.glob("*.png"))


def test_an_empty_keyframe_propagates_as_object_absent():
    _, frames, _ = _project(6)
    results = propagate_masks(frames.__getitem__, 6, {0: np.zeros((HEIGHT, WIDTH), np.uint8)},
                              options=RotoOptions(reanchor=False))
    assert sorted(results) == list(range(6))
    assert all(r.mask.max() == 0 for r in results.values())


def test_propagation_asked_with_no_keyframes_says_what_to_do():
    project, frames, masks = _project(6)
    object_id = project.objects[0].id
    project.set_mask(object_id, 2, masks[2], MaskKind.PROPAGATED)  # propagated masks are no keyframes
    before = project.revision
    with pytest.raises(MaskError, match="No object has a mask keyframe yet; paint the object on a frame"):
        project_keyframes(project)
    with pytest.raises(MaskError, match="paint the object"):
        propagate_project(project, frames.__getitem__)
    assert project.revision == before


def test_removal_asked_with_no_masks_at_all_says_what_to_do():
    project, frames, _ = _project(6)
    with pytest.raises(MaskError, match=r"6 of 6 frames have no mask \(0-5\); propagate the keyframe masks first"):
        next(removed_frames(project, frames.__getitem__, RemovalOptions("flow")))


def test_cli_keyframe_outside_the_clip_is_one_line_and_writes_nothing(tmp_path, capsys):
    masks = tmp_path / "masks"
    masks.mkdir()
    cv2.imwrite(str(masks / "00000.png"), np.zeros((240, 432), np.uint8))
    cv2.imwrite(str(masks / "00999.png"), np.zeros((240, 432), np.uint8))  # the sample has 80 frames
    code = main(["remove", str(SAMPLE), "--masks", str(masks), "--propagate", "-o", str(tmp_path / "out.mp4")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1
    assert "00999.png" in err[0] and "0..79" in err[0]
    assert not (tmp_path / "out.mp4").exists()


def _info(count: int):
    from types import SimpleNamespace

    return SimpleNamespace(path=Path("synthetic.mp4"), width=WIDTH, height=HEIGHT, frame_rate=Fraction(25),
                           frame_count=count, audio_streams=(), is_image_sequence=False)
