"""core.fill.patch_synthesis: what no frame shows gets the texture around it, not a smear."""

from __future__ import annotations

import cv2
import numpy as np

from core.fill import FlowFill
from core.fill.patch_synthesis import synthesize_texture
from core.fill.telea import inpaint_hole


def bricks(width: int, height: int) -> np.ndarray:
    """``(height, width, 3)`` uint8: a brick wall, a 16x16 tile repeated (mortar lines, bricks of
    two shades, offset every other row), the periodic texture a singer might stand in front of."""
    tile = np.full((16, 16, 3), (170, 80, 60), np.uint8)
    tile[:, :, :][0:8, 8:] = (140, 60, 45)
    tile[8:16, :8] = (140, 60, 45)
    tile[7, :] = tile[15, :] = (200, 200, 190)  # mortar
    tile[0:7, 4] = tile[8:15, 12] = (200, 200, 190)
    return np.ascontiguousarray(np.tile(tile, (height // 16 + 1, width // 16 + 1, 1))[:height, :width])


def hole_psnr(made: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    error = np.mean((made[hole].astype(np.float64) - truth[hole]) ** 2)
    return float("inf") if error == 0 else 10 * np.log10(255**2 / error)


def person_hole(width: int, height: int) -> np.ndarray:
    hole = np.zeros((height, width), np.uint8)
    cx, cy = width // 2, height // 2
    cv2.ellipse(hole, (cx, cy - height // 5), (width // 16, height // 10), 0, 0, 360, 1, -1)  # head
    cv2.ellipse(hole, (cx, cy + height // 8), (width // 9, height // 4), 0, 0, 360, 1, -1)  # body
    return hole > 0


def still_wall_clip(count: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
    """A still shot of a person-shaped object before a brick wall: ``(wall, hole, frames, mask)``,
    the wall the truth, the frames with the object painted in, its 0/255 mask."""
    wall = bricks(128, 96)
    hole = person_hole(128, 96)
    frames = []
    for _ in range(count):
        frame = wall.copy()
        frame[hole] = (40, 40, 40)
        frames.append(frame)
    return wall, hole, frames, hole.astype(np.uint8) * 255


def test_a_brick_wall_is_continued_where_telea_smears():
    wall = bricks(160, 112)
    hole = person_hole(160, 112)
    shown = wall.copy()
    shown[hole] = (30, 200, 30)  # what is under the hole must not matter
    made = synthesize_texture(shown, hole)
    smeared = inpaint_hole(shown, hole)
    assert np.array_equal(made[~hole], wall[~hole])  # outside the hole: the frame exactly
    assert hole_psnr(made, wall, hole) > 30  # the bricks and mortar lines continue
    assert hole_psnr(smeared, wall, hole) < 20
    # texture, not a flat patch: the made pixels vary as much as the wall does
    assert made[hole].std() > 0.8 * wall[hole].std()
    assert np.array_equal(made, synthesize_texture(shown, hole))  # seeded: the same fill again


def test_wide_frames_are_matched_at_the_working_width_and_copied_at_full_resolution():
    wall = bricks(1024, 576)
    hole = person_hole(1024, 576)
    shown = wall.copy()
    shown[hole] = 0
    made = synthesize_texture(shown, hole, working_width=256)
    assert np.array_equal(made[~hole], wall[~hole])
    # the full-resolution mortar lines are copied, not an upsampled working-width blur
    assert hole_psnr(made, wall, hole) > 24
    assert made[hole].std() > 0.8 * wall[hole].std()


def test_patches_come_only_from_the_known_background():
    wall = bricks(160, 112)
    hole = person_hole(160, 112)
    shown = wall.copy()
    banned = np.zeros_like(hole)
    banned[:, :40] = True
    shown[banned] = (0, 0, 255)  # an object beside the hole that must not be copied into it
    made = synthesize_texture(shown, hole, known=~hole & ~banned)
    blue = np.all(made[hole] == (0, 0, 255), axis=1)
    assert not blue.any()


def test_specks_and_pieces_without_background_fall_back_to_telea():
    wall = bricks(64, 48)
    speck = np.zeros((48, 64), bool)
    speck[20:23, 30:33] = True
    assert np.array_equal(synthesize_texture(wall, speck), inpaint_hole(wall, speck))
    hole = np.zeros((48, 64), bool)
    hole[10:30, 10:40] = True
    nothing_known = np.zeros_like(hole)  # no whole patch to copy: Telea, no error
    made = synthesize_texture(wall, hole, known=nothing_known)
    assert np.array_equal(made, inpaint_hole(wall, hole))


def test_the_flow_fill_continues_a_wall_no_frame_shows():
    """The music video's case: a still object before a wall the camera never reveals."""
    wall, hole, frames, mask = still_wall_clip(6)
    textured = FlowFill(frames.__getitem__, lambda i: mask, len(frames), dilate=0, texture=True).fill_frame(3)
    smeared = FlowFill(frames.__getitem__, lambda i: mask, len(frames), dilate=0).fill_frame(3)
    assert hole_psnr(textured, wall, hole) > hole_psnr(smeared, wall, hole) + 8


def test_over_a_clip_the_texture_is_made_once_and_carried_neither_boiling_nor_blurring():
    wall, hole, frames, mask = still_wall_clip(8)
    fill = FlowFill(frames.__getitem__, lambda i: mask, len(frames), dilate=0, texture=True)
    filled, carried = [], []
    for frame in fill.fill_clip():
        filled.append(frame)
        carried.append(fill.last_fill_stats.from_previous)
    assert carried[0] == 0 and all(c == hole.sum() for c in carried[1:])  # made on the first frame only
    for frame in filled[1:]:  # a still shot: the same texture on every frame, not resampled away
        assert np.array_equal(frame[hole], filled[0][hole])
    chunked = list(FlowFill(frames.__getitem__, lambda i: mask, len(frames), dilate=0,
                            texture=True).fill_clip(start=4, chunk=4))
    assert np.array_equal(chunked[0], filled[4])  # a chunk starts afresh, as in the whole clip


def test_the_project_setting_chooses_texture_or_telea_for_every_renderer(monkeypatch):
    """``fill_texture`` (the window's Settings, ``--texture``) reaches the flow fill of the
    preview, of the network's input and of the exported clip."""
    from core.render import FlowFillRenderer, NetworkRenderer, RemovalInputs, removal
    from tests.render.synthetic import synthetic_project

    exported = []
    monkeypatch.setattr(removal, "FlowFill", lambda *a, **k: exported.append(k["texture"]) or FlowFill(*a, **k))

    project, frames, _ = synthetic_project(4)
    for texture in (True, False):
        project.update_settings(fill_texture=texture)
        preview = FlowFillRenderer(RemovalInputs(project, frames.__getitem__))
        preview.render_frame(1)
        assert preview._fill.texture is texture
        network = NetworkRenderer(project, frames.__getitem__, _tiny_residual())
        network.render_frame(1)
        assert network._flow_fill.texture is texture
        removal._flow_filled_frames(project, frames.__getitem__, 0, 2, lambda *a: None, None)
        assert exported[-1] is texture


def _tiny_residual():
    from core.model import build_model

    return build_model("tiny_residual").eval()
