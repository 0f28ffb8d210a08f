"""core.render.removal over a tiny project: content keyframes win and feed their neighbours;
frames without a mask are refused before any work, naming them."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import MaskError, SettingsError
from core.fill import hole_from_mask
from core.project import ClipRef, new_project
from core.render import RemovalOptions, removed_frames

WIDTH, HEIGHT, FRAMES = 96, 64, 12
OCCLUDER = (250, 30, 200)


def background() -> np.ndarray:
    """``(HEIGHT, WIDTH, 3)`` uint8 RGB smooth random texture."""
    noise = np.random.default_rng(3).integers(0, 256, (HEIGHT // 4 + 2, WIDTH // 4 + 2, 3), dtype=np.uint8)
    return cv2.resize(noise, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)


def static_occluder() -> np.ndarray:
    """A square that never moves: no decoded frame shows what is behind it."""
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    mask[20:44, 36:60] = 255
    return mask


def scene():
    """``(project, frames, clean)``: every frame masked, the occluder painted over ``clean``."""
    clean, mask = background(), static_occluder()
    frame = clean.copy()
    frame[mask > 0] = OCCLUDER
    frames = [frame.copy() for _ in range(FRAMES)]
    clip = ClipRef(Path("tiny.mp4"), WIDTH, HEIGHT, FRAMES, Fraction(25))
    project = new_project(clip)
    object_id = project.objects[0].id
    for index in range(FRAMES):
        project.set_mask(object_id, index, mask)
    return project, frames, clean


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 100.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def test_a_content_keyframe_is_returned_as_is_and_fills_its_neighbours():
    project, frames, clean = scene()
    hand_fixed = clean.copy()
    hand_fixed[0, 0] = (1, 2, 3)  # a mark of the hand fix, outside the hole
    project.set_content_keyframe(5, hand_fixed)
    result = list(removed_frames(project, frames.__getitem__, RemovalOptions("flow")))
    assert len(result) == FRAMES
    np.testing.assert_array_equal(result[5], hand_fixed)
    hole = hole_from_mask(static_occluder(), 3)
    for index in (3, 4, 6, 7):
        assert psnr(result[index][hole], clean[hole]) > 35, index  # copied from frame 5
        np.testing.assert_array_equal(result[index][~hole], frames[index][~hole])


def test_without_a_content_keyframe_a_static_occluder_is_only_inpainted():
    project, frames, clean = scene()
    result = list(removed_frames(project, frames.__getitem__, RemovalOptions("flow"), start=4, stop=7))
    assert len(result) == 3
    hole = hole_from_mask(static_occluder(), 3)
    assert psnr(result[1][hole], clean[hole]) < 25  # Telea only: the content keyframe made the difference
    assert not (result[1][hole] == OCCLUDER).all(axis=1).any()


def test_frames_without_a_mask_raise_mask_error_naming_them_before_any_work():
    project, frames, _ = scene()
    object_id = project.objects[0].id
    for index in (2, 3, 4, 9):
        project.clear_mask(object_id, index)
    decoded = []

    def frame_of(index: int) -> np.ndarray:
        decoded.append(index)
        return frames[index]

    with pytest.raises(MaskError, match=r"4 of 12 frames have no mask \(2-4, 9\)"):
        next(removed_frames(project, frame_of))
    assert decoded == []
    # A range that avoids them, or content keyframes on them, is fine.
    assert len(list(removed_frames(project, frame_of, start=5, stop=8))) == 3
    for index in (2, 3, 4):
        project.set_content_keyframe(index, frames[index])
    with pytest.raises(MaskError, match=r"1 of 12 frames have no mask \(9\)"):
        next(removed_frames(project, frame_of))


def test_hidden_objects_and_empty_projects_are_refused():
    project, frames, _ = scene()
    project.update_object(project.objects[0].id, visible=False)
    with pytest.raises(MaskError, match="12 of 12 frames"):
        next(removed_frames(project, frames.__getitem__))
    project.remove_object(project.objects[0].id)
    with pytest.raises(MaskError, match="no object"):
        next(removed_frames(project, frames.__getitem__))


def test_an_unknown_method_is_refused():
    project, frames, _ = scene()
    with pytest.raises(SettingsError, match="Unknown removal method 'magic'; use one of auto, network, flow"):
        RemovalOptions("magic")  # refused where the options are made, before any frame is read
    with pytest.raises(SettingsError, match="Unknown device"):
        RemovalOptions(device="gpu")
    with pytest.raises(SettingsError, match="prealign"):
        RemovalOptions(prealign="yes")
    project.update_settings(removal_method="flow")
    assert RemovalOptions().for_project(project).method == "flow"
    assert RemovalOptions("auto").for_project(project).method == "auto"
