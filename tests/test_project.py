"""The project document: masks, keyframes, observers, and the .keyfill round trip."""

from fractions import Fraction
import zipfile

import numpy as np
import pytest

from core.errors import MaskError, ProjectError
from core.project import ClipRef, MaskKind, load_project, new_project, save_project


@pytest.fixture
def clip(tmp_path) -> ClipRef:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"not opened by the project")
    return ClipRef(path, width=40, height=30, frame_count=12, frame_rate=Fraction(30000, 1001))


def blob(x: int, y: int, w: int = 40, h: int = 30) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    mask[y : y + 8, x : x + 10] = 255
    return mask


def test_masks_keyframes_and_propagated_never_overwrite_keyframes(clip):
    project = new_project(clip, ["car", "person"])
    car, person = (o.id for o in project.objects)
    project.set_mask(car, 3, blob(2, 2))
    project.set_propagated_masks(car, {3: blob(20, 20), 4: blob(5, 5)})
    assert np.array_equal(project.mask(car, 3), blob(2, 2)), "a propagated mask replaced a keyframe"
    assert project.mask_kind(car, 4) == MaskKind.PROPAGATED
    assert project.mask_keyframes() == [3]
    project.set_mask(person, 4, blob(25, 10))
    union = project.removal_mask(4)
    assert union[5, 5] == 255 and union[12, 27] == 255 and union[0, 0] == 0
    project.update_object(person, visible=False)
    assert project.removal_mask(4)[12, 27] == 0, "a hidden object must not be removed"


def test_wrong_mask_size_and_frame_outside_clip_are_clear_errors(clip):
    project = new_project(clip)
    oid = project.objects[0].id
    with pytest.raises(MaskError, match="40x30"):
        project.set_mask(oid, 0, np.zeros((31, 40), np.uint8))
    with pytest.raises(MaskError, match="outside the clip"):
        project.set_mask(oid, 12, blob(0, 0))


def test_observers_see_each_change_and_dirty_tracks_saves(clip, tmp_path):
    project = new_project(clip)
    events = []
    unsubscribe = project.subscribe(events.append)
    oid = project.objects[0].id
    assert not project.dirty
    project.set_mask(oid, 1, blob(1, 1))
    assert [(e.kind, e.frames) for e in events] == [("mask", (1,))]
    assert project.dirty
    save_project(project, tmp_path / "p.keyfill")
    assert not project.dirty
    unsubscribe()
    project.clear_mask(oid, 1)
    assert len(events) == 1


def test_round_trip_is_identical(clip, tmp_path):
    project = new_project(clip, ["car", "dog"])
    car, dog = (o.id for o in project.objects)
    rng = np.random.default_rng(0)
    for frame in range(0, 12, 3):
        project.set_mask(car, frame, (rng.random((30, 40)) > 0.5).astype(np.uint8) * 255)
    project.set_propagated_masks(dog, {f: blob(f, f) for f in range(6)})
    fixed = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    project.set_content_keyframe(7, fixed)
    project.update_object(dog, name="good dog", colour=(1, 2, 3), visible=False)
    project.update_settings(working_width=320, removal_method="flow")

    path = save_project(project, tmp_path / "round.keyfill")
    loaded = load_project(path)

    assert loaded.clip == project.clip
    assert loaded.objects == project.objects
    assert loaded.settings == project.settings
    for obj in project.objects:
        assert loaded.mask_frames(obj.id) == project.mask_frames(obj.id)
        for frame in project.mask_frames(obj.id):
            assert np.array_equal(loaded.mask(obj.id, frame), project.mask(obj.id, frame))
            assert loaded.mask_kind(obj.id, frame) == project.mask_kind(obj.id, frame)
    assert np.array_equal(loaded.content_keyframe(7), fixed)
    assert loaded.path == path and not loaded.dirty


def test_save_replaces_atomically_and_leaves_no_temp_files(clip, tmp_path):
    project = new_project(clip)
    path = tmp_path / "p.keyfill"
    save_project(project, path)
    project.set_mask(project.objects[0].id, 0, blob(0, 0))
    save_project(project, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "p.keyfill"]
    assert load_project(path).mask_frames(project.objects[0].id) == [0]


def test_clip_moved_with_the_project_is_found_by_relative_path(clip, tmp_path):
    folder = tmp_path / "job"
    folder.mkdir()
    clip_path = folder / "clip.mp4"
    clip.path.rename(clip_path)
    project = new_project(ClipRef(clip_path, 40, 30, 12, Fraction(25)))
    save_project(project, folder / "p.keyfill")
    moved = tmp_path / "moved"
    folder.rename(moved)
    assert load_project(moved / "p.keyfill").clip.path == (moved / "clip.mp4").resolve()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "newer", "no_manifest", "missing_mask"])
def test_damaged_project_files_raise_project_error(clip, tmp_path, damage):
    project = new_project(clip)
    project.set_mask(project.objects[0].id, 2, blob(3, 3))
    path = save_project(project, tmp_path / "p.keyfill")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    else:
        with zipfile.ZipFile(path) as zf:
            entries = {n: zf.read(n) for n in zf.namelist()}
        if damage == "newer":
            entries["manifest.json"] = entries["manifest.json"].replace(b'"version": 1', b'"version": 99')
        elif damage == "no_manifest":
            del entries["manifest.json"]
        else:
            del entries["masks/1/000002.png"]
        with zipfile.ZipFile(path, "w") as zf:
            for name, content in entries.items():
                zf.writestr(name, content)
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert "p.keyfill" in str(info.value)
    if damage == "newer":
        assert "newer Keyfill" in str(info.value)


def test_missing_project_file(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        load_project(tmp_path / "nope.keyfill")


def test_relink_checks_the_clip_matches(clip, tmp_path):
    project = new_project(clip)
    with pytest.raises(MaskError, match="same clip"):
        project.relink(ClipRef(tmp_path / "other.mp4", 40, 30, 13, Fraction(25)))
    project.relink(ClipRef(tmp_path / "same.mp4", 40, 30, 12, Fraction(25)))
    assert project.clip.path.name == "same.mp4"
