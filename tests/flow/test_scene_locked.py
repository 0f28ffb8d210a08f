"""The removal eval's scene-locked holes: one silhouette that follows the camera, so no frame
shows what it hides."""

import numpy as np

from core.flow.scene_locked import scene_locked_masks


def _panning_clip(count: int, step: int, size=(96, 128)):
    """Crops of one random texture, the camera moving ``step`` px right each frame."""
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, (size[0] // 4, (size[1] + step * count) // 4, 3), np.uint8)
    texture = np.kron(texture, np.ones((4, 4, 1), np.uint8))  # blocks DIS can follow
    texture = (texture.astype(np.float32) * 0.5 + 64).astype(np.uint8)
    return [np.ascontiguousarray(texture[:, step * t:step * t + size[1]]) for t in range(count)]


def test_the_hole_stays_on_the_same_part_of_the_scene_as_the_camera_pans():
    count, step = 9, 3
    frames = _panning_clip(count, step)
    silhouette = np.zeros(frames[0].shape[:2], np.uint8)
    silhouette[30:60, 50:80] = 255  # where it sits in the middle frame (4)
    masks = scene_locked_masks(frames, silhouette)

    assert len(masks) == count and masks[0].dtype == np.uint8
    for t, mask in enumerate(masks):
        expected = np.zeros_like(silhouette)
        shift = -step * (t - count // 2)  # the scene moves left as the camera moves right
        expected[30:60, 50 + shift:80 + shift] = 255
        overlap = ((mask > 0) & (expected > 0)).sum() / ((mask > 0) | (expected > 0)).sum()
        assert overlap > 0.9, (t, overlap)
    assert not np.array_equal(masks[0], masks[-1])  # it moved with the camera, not with the frame


def test_the_clips_own_object_is_left_out_of_the_cameras_motion():
    count, step = 7, 2
    frames = _panning_clip(count, step)
    objects = []
    for t, frame in enumerate(frames):  # a grey block that stays put in the frame (a tracked object)
        frame[10:50, 5:45] = 200
        mask = np.zeros(frame.shape[:2], np.uint8)
        mask[10:50, 5:45] = 255
        objects.append(mask)
    silhouette = np.zeros(frames[0].shape[:2], np.uint8)
    silhouette[40:70, 70:100] = 255
    masks = scene_locked_masks(frames, silhouette, objects)
    last = np.argwhere(masks[-1] > 0)[:, 1]
    assert abs(last.min() - (70 - step * (count - 1 - count // 2))) <= 1


def test_a_hole_placed_on_the_clips_own_object_moves_off_it():
    frames = _panning_clip(5, 2)
    objects = [np.zeros(frames[0].shape[:2], np.uint8) for _ in frames]
    for mask in objects:
        mask[20:70, 40:80] = 255  # the subject, where the silhouette was put
    silhouette = np.zeros(frames[0].shape[:2], np.uint8)
    silhouette[30:60, 50:70] = 255
    masks = scene_locked_masks(frames, silhouette, objects)
    assert all(((m > 0) & (o > 0)).sum() == 0 for m, o in zip(masks, objects))
    assert (masks[2] > 0).sum() == (silhouette > 0).sum()  # whole in the middle frame, same shape
