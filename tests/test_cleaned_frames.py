"""The cleaned frames kept for the preview: keyed, atomic, bounded, beside the project."""

import inspect
import os
from fractions import Fraction

import numpy as np
import pytest

from core.cleaned_frames import REACH, CleanedFrames, FolderNotOurs, FrameKeys, FrameStore, frames_folder
from core.fill import FlowFill
from core.project import ClipRef, new_project

KEY, OTHER = "0123456789abcdef0123", "fedcba9876543210fedc"


def image(value: int, shape=(24, 32)) -> np.ndarray:
    rng = np.random.default_rng(value)  # noise: PNGs of a known, incompressible size
    return rng.integers(0, 256, (*shape, 3), dtype=np.uint8)


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"not opened")
    clip = ClipRef(path, width=32, height=24, frame_count=2 * REACH + 60, frame_rate=Fraction(25))
    project = new_project(clip)
    project.update_settings(removal_method="flow")
    return project


def blob(x: int) -> np.ndarray:
    mask = np.zeros((24, 32), np.uint8)
    mask[4:12, x : x + 6] = 255
    return mask


# --- the store ---------------------------------------------------------------------------------
def test_frames_come_back_exactly_and_only_under_their_key(tmp_path):
    store = FrameStore(tmp_path / "frames")
    store.put(3, KEY, image(3))
    assert np.array_equal(store.get(3, KEY), image(3)), "lossless"
    assert store.get(3, OTHER) is None, "another key (the masks changed) is not this frame"
    assert store.ready([OTHER] * 3 + [KEY]) == {3}
    assert store.ready([KEY] * 3 + [OTHER]) == set()


def test_the_store_stays_under_its_bound_dropping_the_least_recently_used(tmp_path):
    one = FrameStore(tmp_path / "probe")
    one.put(0, KEY, image(0))
    size = one.size_bytes
    store = FrameStore(tmp_path / "frames", max_bytes=int(3.5 * size))
    for frame in range(3):
        store.put(frame, KEY, image(frame))
    store.get(0, KEY)  # frame 0 was just shown: frame 1 is now the oldest
    store.put(3, KEY, image(3))
    assert store.size_bytes <= 3.5 * size
    assert {f for f in range(4) if store.has(f, KEY)} == {0, 2, 3}
    assert not (tmp_path / "frames" / f"000001-{KEY}.png").exists(), "evicted from disk too"
    reopened = FrameStore(tmp_path / "frames", max_bytes=int(1.5 * size))  # a smaller bound next time
    assert len(reopened) == 1 and reopened.size_bytes <= 1.5 * size


def test_a_failed_write_leaves_no_frame_and_no_part_file(tmp_path, monkeypatch):
    store = FrameStore(tmp_path / "frames")
    store.put(1, KEY, image(1))

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError):
        store.put(2, KEY, image(2))
    monkeypatch.undo()
    assert store.get(2, KEY) is None and store.has(1, KEY)
    left = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert left == [f"000001-{KEY}.png", "KEYFILL-FRAMES"], "no half-written or temporary file"


def test_a_reopened_store_finds_its_frames_and_ignores_other_files(tmp_path):
    store = FrameStore(tmp_path / "frames")
    store.put(5, KEY, image(5))
    (tmp_path / "frames" / "notes.txt").write_text("mine")
    again = FrameStore(tmp_path / "frames")
    assert np.array_equal(again.get(5, KEY), image(5))
    again.clear()
    assert (tmp_path / "frames" / "notes.txt").read_text() == "mine", "only files the store named are deleted"


def test_a_folder_keyfill_did_not_make_is_refused(tmp_path):
    folder = tmp_path / "clip.keyfill-frames"
    folder.mkdir()
    (folder / "holiday.png").write_bytes(b"the user's")
    with pytest.raises(FolderNotOurs):
        FrameStore(folder)
    (tmp_path / "file.keyfill-frames").write_bytes(b"x")
    with pytest.raises(FolderNotOurs):
        FrameStore(tmp_path / "file.keyfill-frames")
    assert (folder / "holiday.png").read_bytes() == b"the user's"


def test_a_temporary_store_is_deleted_on_close_and_ignores_late_frames(tmp_path):
    store = FrameStore.temporary_store()
    store.put(0, KEY, image(0))
    store.close()
    assert not store.folder.exists()
    store.put(1, KEY, image(1))  # a job finishing after the window moved on
    assert not store.folder.exists()


# --- the keys ----------------------------------------------------------------------------------
def test_a_mask_edit_changes_the_keys_of_the_frames_it_reaches_only(project):
    keys = FrameKeys(project)
    before = list(keys.keys)
    edited = REACH + 10
    project.set_mask(1, edited, blob(4))
    keys.update(project_event(project, edited))
    changed = {f for f in range(len(before)) if keys.keys[f] != before[f]}
    assert changed == set(range(edited - REACH, min(edited + REACH + 1, len(before))))
    project.clear_mask(1, edited)
    keys.update(project_event(project, edited))
    assert keys.keys == before, "undoing the edit brings the old keys (and frames) back"
    assert len(set(keys.keys)) == len(keys.keys), "every frame has a key of its own"


def test_settings_model_and_content_keyframes_change_every_key(project, tmp_path):
    keys = FrameKeys(project)
    flow = list(keys.keys)
    project.update_settings(removal_method="network")
    keys.update()
    network = list(keys.keys)
    assert all(a != b for a, b in zip(flow, network))
    model = tmp_path / "tuned.pt"
    model.write_bytes(b"weights")
    keys.set_chosen_model(model)
    assert all(a != b for a, b in zip(network, keys.keys)), "another model renders other frames"
    tuned = list(keys.keys)
    model.write_bytes(b"weights, trained further")
    os.utime(model, ns=(1, 1))
    keys.update()
    assert all(a != b for a, b in zip(tuned, keys.keys)), "the same file rewritten by a run"
    before = list(keys.keys)
    project.set_content_keyframe(3, image(9))
    keys.update(project_event(project, 3, "content"))
    assert all(a != b for a, b in zip(before, keys.keys)), "a hand-fixed frame is read by every frame"


def test_the_reach_covers_what_the_flow_fill_reads():
    default = inspect.signature(FlowFill.__init__).parameters["max_distance"].default
    assert REACH >= default + 100, "the network's ±80 keyframes of anchors 20 apart, and the fill's sources"


# --- with the project --------------------------------------------------------------------------
def test_cleaned_frames_follow_edits_and_go_beside_a_saved_project(project, tmp_path):
    cleaned = CleanedFrames(project)
    assert cleaned.store.temporary, "unsaved: a temporary folder, nothing beside the user's clip"
    cleaned.put(0, image(0))
    cleaned.put(len(cleaned.keys()) - 1, image(1))
    assert cleaned.frames() == {0, len(cleaned.keys()) - 1}
    project.set_mask(1, 2, blob(2))
    cleaned.update(project_event(project, 2))
    assert cleaned.frames() == {len(cleaned.keys()) - 1}, "frame 0 reads frame 2's mask: out of date"
    temporary = cleaned.store.folder
    cleaned.keep_beside(tmp_path / "shot.keyfill")
    assert cleaned.store.folder == frames_folder(tmp_path / "shot.keyfill") == tmp_path / "shot.keyfill-frames"
    assert not temporary.exists()
    assert np.array_equal(cleaned.get(len(cleaned.keys()) - 1), image(1))
    project.path = tmp_path / "shot.keyfill"
    reopened = CleanedFrames(project)
    assert reopened.frames() == {len(cleaned.keys()) - 1}, "kept with the project for the next session"


def project_event(project, frame, kind="mask"):
    from core.project import ProjectEvent

    return ProjectEvent(kind, frames=(frame,))


def test_the_device_is_part_of_the_network_s_keys_only(project):
    flow_cpu, flow_cuda = FrameKeys(project, device="cpu").keys, FrameKeys(project, device="cuda").keys
    assert flow_cpu == flow_cuda, "the flow fill runs on the CPU whatever the device"
    project.update_settings(removal_method="network")
    keys = FrameKeys(project, device="cpu")
    cpu = list(keys.keys)
    keys.set_device("cuda")
    assert all(a != b for a, b in zip(cpu, keys.keys)), "CUDA computes in half precision: other frames"
    assert FrameKeys(project, device="cpu").keys == cpu


def test_a_first_save_moves_the_temporary_frames_even_when_closed_meanwhile(project, tmp_path, monkeypatch):
    import threading

    cleaned = CleanedFrames(project)
    cleaned.put(0, image(0))
    temporary, copy_to = cleaned.store.folder, FrameStore.copy_to
    started, go_on = threading.Event(), threading.Event()

    def slow_copy(store, folder, **kwargs):
        started.set()
        go_on.wait(10)
        return copy_to(store, folder, **kwargs)

    monkeypatch.setattr(FrameStore, "copy_to", slow_copy)
    keeping = threading.Thread(target=cleaned.keep_beside, args=(tmp_path / "shot.keyfill",))
    keeping.start()  # as the window's job does after the first save
    assert started.wait(10)
    cleaned.close()  # the window closes (or opens another project) while the frames move
    assert temporary.is_dir(), "not deleted under the move"
    go_on.set()
    keeping.join(10)
    assert not temporary.exists(), "moved, then the temporary folder deleted"
    project.path = tmp_path / "shot.keyfill"
    assert CleanedFrames(project).frames() == {0}, "the next session finds them beside the project"
    assert cleaned.store.folder == frames_folder(project.path) and len(cleaned.store) == 0, "closed once moved"


def test_frames_move_by_rename_on_one_disk_and_by_copy_across_disks(tmp_path, monkeypatch):
    store = FrameStore(tmp_path / "a", temporary=True)
    store.put(1, KEY, image(1))
    inode = (tmp_path / "a" / f"000001-{KEY}.png").stat().st_ino
    moved = store.copy_to(tmp_path / "b", move=True)
    assert (tmp_path / "b" / f"000001-{KEY}.png").stat().st_ino == inode, "renamed: nothing copied"
    assert len(store) == 0 and not (tmp_path / "a" / f"000001-{KEY}.png").exists()
    moved.put(2, KEY, image(2))
    real_replace = os.replace

    def across_disks(src, dst):
        if str(src).endswith(".png"):
            raise OSError(18, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", across_disks)
    again = moved.copy_to(tmp_path / "c", move=True)
    monkeypatch.undo()
    assert np.array_equal(again.get(2, KEY), image(2)) and np.array_equal(again.get(1, KEY), image(1))
    assert not list((tmp_path / "b").glob("*.png")), "copied whole, then removed"


def test_kept_frames_pass_every_frame_on_and_say_once_when_the_store_fails():
    from core.cleaned_frames import kept_frames

    kept, notices = {}, []

    def put(index, frame):
        if index == 11:
            raise OSError(28, "No space left on device")
        kept[index] = frame

    frames = [image(i) for i in range(4)]
    out = list(kept_frames(iter(frames), put, start=10, notice=notices.append))
    assert all(np.array_equal(a, b) for a, b in zip(out, frames)) and len(out) == 4
    assert list(kept) == [10] and len(notices) == 1 and "No space left" in notices[0]
