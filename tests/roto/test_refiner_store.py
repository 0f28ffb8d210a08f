"""The clip refiners kept beside a saved project: a reopened project's next edit starts from them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.flow import FlowField
from core.roto import RotoOptions, propagate_masks
from core.roto.clip_refiner import forget_refiners, kept_clip_refiner
from core.roto.clip_refiner_cache import kept_refiners
from core.roto.clip_refiner_weights import read_refiner_weights
from core.roto.refiner_store import KEEP, NOTE, keep_refiners, refiners_folder, restore_refiners
from tests.roto_scenes import SlidingSquares


pytestmark = pytest.mark.usefixtures("no_kept_refiners")


@pytest.fixture(scope="module")
def scene():
    return SlidingSquares([(20, 40, 5, 1)], size=40, frame_count=12)


def _first_weight(path):
    return next(read_refiner_weights(path)[0].parameters())


def _propagated(scene, keyframes):
    return propagate_masks(scene.frame, scene.frame_count, keyframes, flow=FlowField(scene.frame, scene.frame_count),
                           options=RotoOptions(refine_steps=3))


def test_a_reopened_project_finds_the_refiners_its_keyframes_taught(scene, tmp_path):
    project = tmp_path / "shot.keyfill"
    keyframes = {0: scene.mask(0), 11: scene.mask(11)}
    _propagated(scene, keyframes)
    learned = kept_clip_refiner(scene.frame, keyframes)
    assert keep_refiners(project, scene.frame, {1: keyframes}) == 2, "the trained and the self-trained one"
    folder = refiners_folder(project)
    assert folder.name == "shot.keyfill-refiners" and (folder / NOTE).is_file()

    forget_refiners()  # the window closed; a new process opens the project
    assert kept_clip_refiner(scene.frame, keyframes) is None
    assert restore_refiners(project) == 2
    found = kept_clip_refiner(scene.frame, {**keyframes, 6: scene.mask(6)})  # a keyframe added
    assert found is not None and found.keyframes == learned.keyframes
    assert all(torch.equal(a, b) for a, b in zip(found.net.state_dict().values(), learned.net.state_dict().values()))
    assert np.array_equal(found.refine(scene.frame(5), scene.mask(5) / 255.0),
                          learned.refine(scene.frame(5), scene.mask(5) / 255.0)), "refines as it did"
    assert restore_refiners(project) == 0, "already kept: not read twice"

    edited = {**keyframes, 6: scene.mask(6)}
    _propagated(scene, edited)  # the edit learned, warm-started from the refiners read back
    newest = kept_clip_refiner(scene.frame, edited)
    assert keep_refiners(project, scene.frame, {1: edited}) == 2
    kept_refiners.clear()  # the older ones fell out of the process's cache; the newest stays
    kept_refiners.put(next(int(p.stem) for p in refiners_folder(project).glob("*.pt")
                           if torch.equal(_first_weight(p), next(newest.net.parameters()))), newest)
    assert restore_refiners(project) == 0, "an older refiner read back would become the most recent"
    assert kept_clip_refiner(scene.frame, edited) is newest


def test_only_this_project_s_refiners_are_written_the_newest_few_kept_and_bad_files_skipped(scene, tmp_path):
    project = tmp_path / "shot.keyfill"
    _propagated(scene, {5: scene.mask(5)})  # another object's (or project's) refiners in the process
    assert keep_refiners(project, scene.frame, {1: {0: scene.mask(0)}}) == 0
    assert not refiners_folder(project).exists(), "nothing to keep: no folder"
    for first in range(0, 3):
        _propagated(scene, {first: scene.mask(first), 11: scene.mask(11)})
    keep_refiners(project, scene.frame, {1: {11: scene.mask(11)}})
    files = sorted(refiners_folder(project).glob("*.pt"))
    assert len(files) == KEEP
    files[0].write_bytes(b"not a refiner")
    forget_refiners()
    assert restore_refiners(project) == KEEP - 1
    assert len(kept_refiners.values()) == KEEP - 1


def test_a_folder_of_that_name_that_is_not_keyfill_s_is_left_alone(scene, tmp_path):
    project = tmp_path / "shot.keyfill"
    folder = refiners_folder(project)
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's")
    keyframes = {0: scene.mask(0), 11: scene.mask(11)}
    _propagated(scene, keyframes)
    assert keep_refiners(project, scene.frame, {1: keyframes}) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert restore_refiners(project) == 0
    assert restore_refiners(None) == 0 and keep_refiners(None, scene.frame, {1: keyframes}) == 0
