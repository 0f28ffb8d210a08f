"""One flow cache per clip (issue 14): flows computed once, shared by rotoscoping and removal,
kept beside the project so that reopening it does not compute them again."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import core.flow.dis_flow as dis_flow_module
from core.flow import FlowCache, FlowField, clip_flows, flows_folder, kept_flows, project_flows
from core.flow.flow_cache import NOTE, FolderNotOurs, clip_identity, forget_flow_caches
from core.project import ClipRef, MaskKind, new_project
from core.render import RemovalOptions, removed_frames
from core.render.removal_inputs import RemovalInputs
from core.roto import RotoOptions, propagate_project
from tests.roto_scenes import HEIGHT, WIDTH, SlidingSquares

SIZE = (WIDTH, HEIGHT)


@pytest.fixture
def computed(monkeypatch):
    """Counts DIS computations (one per direction) wherever a FlowField makes them."""
    calls = []
    real = dis_flow_module.compute_working_flow

    def counting(src, dst, size):
        calls.append(size)
        return real(src, dst, size)

    monkeypatch.setattr(dis_flow_module, "compute_working_flow", counting)
    yield calls
    forget_flow_caches()


@pytest.fixture
def scene():
    return SlidingSquares([(20, 30, 3, 1)], frame_count=8)


def _flows(field: FlowField, count: int) -> list[np.ndarray]:
    return [field.working_flow(a, a + 1) for a in range(count - 1)] + [field.working_flow(a + 1, a)
                                                                         for a in range(count - 1)]


def test_a_second_field_over_the_clip_reads_the_flows_the_first_computed(scene, computed):
    cache = FlowCache("0" * 16, SIZE)
    first = FlowField(scene.frame, scene.frame_count, cache=cache)
    before = _flows(first, scene.frame_count)
    assert len(computed) == 2 * (scene.frame_count - 1)
    second = FlowField(scene.frame, scene.frame_count, cache=cache)
    after = _flows(second, scene.frame_count)
    assert second.pairs_computed == 0 and len(computed) == 2 * (scene.frame_count - 1)
    assert all(np.array_equal(a, b) for a, b in zip(before, after)), "memory keeps the flows exactly"
    assert second.working_consistency(3, 2) is first.working_consistency(3, 2), "and their consistency"


def test_reopening_reads_the_flows_from_beside_the_project_within_a_64th_of_a_pixel(scene, computed, tmp_path):
    folder = tmp_path / "clip.keyfill-flows"
    first = FlowField(scene.frame, scene.frame_count, cache=FlowCache("a" * 16, SIZE, folder))
    before = _flows(first, scene.frame_count)
    assert (folder / NOTE).is_file() and len(list(folder.glob("*.flow"))) == scene.frame_count - 1
    reopened = FlowCache("a" * 16, SIZE, folder)  # another process: nothing in memory
    second = FlowField(scene.frame, scene.frame_count, cache=reopened)
    after = _flows(second, scene.frame_count)
    assert second.pairs_computed == 0 and reopened.pairs_read == scene.frame_count - 1
    assert max(float(np.abs(a - b).max()) for a, b in zip(before, after)) <= 1 / 64 + 1e-6


def test_flows_of_another_clip_are_deleted_not_read_and_the_folder_stays_under_its_bound(scene, computed, tmp_path):
    folder = tmp_path / "flows"
    FlowField(scene.frame, scene.frame_count, cache=FlowCache("a" * 16, SIZE, folder)).working_flow(0, 1)
    other = FlowCache("b" * 16, SIZE, folder)  # the project was relinked to another clip
    assert list(folder.glob("*.flow")) == [] and other.get(0, 1, SIZE) is None
    small = FlowCache("b" * 16, SIZE, folder, max_bytes=1)
    field = FlowField(scene.frame, scene.frame_count, cache=small)
    _flows(field, scene.frame_count)
    assert len(list(folder.glob("*.flow"))) == 1, "only the last pair is kept past the bound"
    assert small.size_bytes == sum(p.stat().st_size for p in folder.glob("*.flow"))


def test_a_folder_of_the_users_is_not_used(tmp_path):
    folder = tmp_path / "clip.keyfill-flows"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(FolderNotOurs):
        FlowCache("a" * 16, SIZE, folder)
    assert clip_flows(tmp_path / "clip.mp4", SIZE, 8, tmp_path / "clip.keyfill").folder is None
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    forget_flow_caches()


def test_pairs_with_frames_that_are_not_the_clips_are_not_shared(scene, computed):
    cache = FlowCache("0" * 16, SIZE)
    FlowField(scene.frame, scene.frame_count, cache=cache, unshared={3}).working_flow(2, 3)
    assert cache.get(2, 3, SIZE) is None
    FlowField(scene.frame, scene.frame_count, cache=cache, unshared={3}).working_flow(3, 2)
    assert len(computed) == 4, "the pair with the content keyframe is computed by each field"


def test_a_clip_changed_on_disk_has_another_identity(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"one")
    before = clip_identity(clip, SIZE, 8)
    clip.write_bytes(b"other")
    assert clip_identity(clip, SIZE, 8) != before
    assert flows_folder(tmp_path / "clip.keyfill") == tmp_path / "clip.keyfill-flows"


def _project(scene, tmp_path):
    project = new_project(ClipRef(tmp_path / "clip.mp4", WIDTH, HEIGHT, scene.frame_count, Fraction(25)))
    oid = project.objects[0].id
    for frame in (0, scene.frame_count - 1):
        project.set_mask(oid, frame, scene.mask(frame), MaskKind.KEYFRAME)
    return project


def test_propagating_again_and_removing_after_a_propagation_compute_no_flow(scene, computed, tmp_path):
    project = _project(scene, tmp_path)
    options = RotoOptions(refine_steps=0)
    propagate_project(project, scene.frame, options=options)
    first = len(computed)
    assert first == 2 * (scene.frame_count - 1)
    propagate_project(project, scene.frame, options=options)
    assert len(computed) == first, "the second propagation of the clip reads its flows"
    inputs = RemovalInputs(project, scene.frame)
    assert inputs.flow.working_flow(2, 3) is not None and inputs.flow_and_consistency(4, 5)[0].shape == (HEIGHT, WIDTH, 2)
    assert len(computed) == first and inputs.flow.pairs_computed == 0, "the removal reads the propagation's flows"
    assert kept_flows(project) is project_flows(project)


def test_the_flow_fill_after_a_propagation_computes_no_flow(scene, computed, tmp_path):
    project = _project(scene, tmp_path)
    propagate_project(project, scene.frame, options=RotoOptions(refine_steps=0))
    first = len(computed)
    frames = list(removed_frames(project, scene.frame, RemovalOptions(method="flow")))
    assert len(frames) == scene.frame_count and len(computed) == first


def test_a_removal_of_a_project_nobody_propagated_in_this_process_computes_its_own(scene, computed, tmp_path):
    project = _project(scene, tmp_path)
    assert kept_flows(project) is None  # an evaluation or a trainer may give the renderer other frames
    RemovalInputs(project, scene.frame).flow.working_flow(0, 1)
    assert len(computed) == 2


def test_a_damaged_flow_file_is_computed_again_and_a_full_disk_keeps_the_flows_in_memory(scene, computed, tmp_path,
                                                                                          monkeypatch):
    folder = tmp_path / "flows"
    FlowField(scene.frame, scene.frame_count, cache=FlowCache("a" * 16, SIZE, folder)).working_flow(0, 1)
    (damaged,) = folder.glob("*.flow")
    damaged.write_bytes(damaged.read_bytes()[:100])  # cut short: a crash mid-copy, a bad sector
    reopened = FlowCache("a" * 16, SIZE, folder)
    assert reopened.get(0, 1, SIZE) is None
    field = FlowField(scene.frame, scene.frame_count, cache=reopened)
    field.working_flow(0, 1)
    assert field.pairs_computed == 1

    def full(path, data):
        raise OSError(28, "No space left on device")

    cache = FlowCache("c" * 16, SIZE, tmp_path / "other")
    monkeypatch.setattr("core.flow.flow_cache.write_bytes_atomic", full)
    FlowField(scene.frame, scene.frame_count, cache=cache).working_flow(2, 3)
    assert cache.get(2, 3, SIZE) is not None and cache.size_bytes == 0


def test_memory_keeps_fewer_pairs_when_they_are_large(scene, computed):
    pair_bytes = 3 * HEIGHT * WIDTH * 2 * 4
    cache = FlowCache("0" * 16, SIZE, memory_bytes=3 * pair_bytes)
    field = FlowField(scene.frame, scene.frame_count, cache=cache)
    _flows(field, scene.frame_count)
    kept = [low for low in range(scene.frame_count - 1) if cache.get(low, low + 1, SIZE) is not None]
    assert kept == [4, 5, 6], "the three pairs the bound holds: the last used"
