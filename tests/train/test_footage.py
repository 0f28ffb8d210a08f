import numpy as np
import pytest

from core.train import TrainingDataError, find_footage


def test_finds_clips_and_stills_and_leaves_out_the_held_out_clip(footage_dir):
    clips = find_footage(footage_dir, exclude=["heldout"], frame_height=64, crop=(64, 64))
    names = sorted(c.name for c in clips)
    assert names == ["clipA", "stills/floor", "stills/wall"]  # the black-and-white mask skipped
    clip = next(c for c in clips if c.name == "clipA")
    assert len(clip.frames) == 24 and clip.size == (64, 96)
    assert clip.frames[0].dtype == np.uint8 and clip.frames[0].shape == (64, 96, 3)
    assert clip.shapes, "object silhouettes come from the clip's masks folder"
    # stills are scaled to the frame height, but never below the crop
    floor = next(c for c in clips if c.name == "stills/floor")
    assert floor.size[0] == 64 and floor.size[1] >= 64 and len(floor.frames) == 1


def test_excluded_clip_gives_no_silhouettes(footage_dir):
    with_heldout = find_footage(footage_dir, frame_height=64, crop=(64, 64))
    assert "heldout" in [c.name for c in with_heldout]
    held = next(c for c in with_heldout if c.name == "heldout")
    squares = [s for s in held.shapes if s.all()]  # the held-out clip's masks are full squares
    assert squares
    kept = find_footage(footage_dir, exclude=["heldout"], frame_height=64, crop=(64, 64))
    assert not any(s.all() and s.shape == squares[0].shape for c in kept for s in c.shapes)


def test_frames_scaled_up_to_fit_the_crop(footage_dir):
    clips = find_footage(footage_dir, exclude=["heldout", "stills"], frame_height=64,
                         crop=(64, 128))
    assert clips[0].size == (85, 128)  # 96 px wide scaled to the crop's 128, height kept in step


def test_nothing_usable_is_a_user_error(tmp_path):
    with pytest.raises(TrainingDataError, match="No clips or images"):
        find_footage(tmp_path)
    with pytest.raises(TrainingDataError, match="does not exist"):
        find_footage(tmp_path / "missing")
