"""After a keyframe edit only the frames the edit changed are propagated again (issue 15)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from core.flow.flow_cache import forget_flow_caches
from core.project import ClipRef, MaskKind, new_project
from core.roto import RotoOptions, propagate_project
from core.roto.repropagation import frames_to_repropagate, record_propagation
from tests.roto_scenes import HEIGHT, WIDTH, SlidingSquares

OPTIONS = RotoOptions(refine_steps=0)


@pytest.fixture
def propagated(tmp_path):
    """A 12-frame project with keyframes 0, 6 and 11, propagated, and the record of it."""
    scene = SlidingSquares([(20, 30, 3, 1)], frame_count=12)
    project = new_project(ClipRef(tmp_path / "clip.mp4", WIDTH, HEIGHT, scene.frame_count, Fraction(25)))
    oid = project.objects[0].id
    for frame in (0, 6, 11):
        project.set_mask(oid, frame, scene.mask(frame), MaskKind.KEYFRAME)
    propagate_project(project, scene.frame, options=OPTIONS)
    yield project, oid, scene, record_propagation(project, OPTIONS)
    forget_flow_caches()


def test_nothing_changed_means_nothing_to_propagate_and_no_record_means_everything(propagated):
    project, oid, scene, record = propagated
    assert frames_to_repropagate(project, record, OPTIONS) == []
    assert frames_to_repropagate(project, None, OPTIONS) is None
    assert frames_to_repropagate(project, record, RotoOptions(refine_steps=5)) is None, "other options"


def test_a_keyframe_added_corrected_or_deleted_stales_the_frames_between_its_neighbours(propagated):
    project, oid, scene, record = propagated
    project.set_mask(oid, 3, scene.mask(3), MaskKind.KEYFRAME)  # added
    assert frames_to_repropagate(project, record, OPTIONS) == [1, 2, 4, 5]
    project.clear_mask(oid, 3)  # deleted again: frame 3 now has no mask at all
    assert frames_to_repropagate(project, record, OPTIONS) == [1, 2, 3, 4, 5]
    corrected = scene.mask(6).copy()
    corrected[:10] = 255
    project.set_mask(oid, 6, corrected, MaskKind.KEYFRAME)  # corrected
    assert frames_to_repropagate(project, record, OPTIONS) == [1, 2, 3, 4, 5, 7, 8, 9, 10]


def test_a_propagated_mask_that_is_no_longer_what_was_stored_stales_its_segment(propagated):
    project, oid, scene, record = propagated
    project.set_propagated_masks(oid, {8: np.zeros((HEIGHT, WIDTH), np.uint8)})  # an undo, a wipe
    assert frames_to_repropagate(project, record, OPTIONS) == [7, 8, 9, 10]
    project.clear_mask(oid, 2)
    assert frames_to_repropagate(project, record, OPTIONS) == [1, 2, 3, 4, 5, 7, 8, 9, 10]


def test_an_objects_first_keyframe_propagates_everything(propagated):
    project, oid, scene, record = propagated
    other = project.add_object("Second")
    project.set_mask(other.id, 5, scene.mask(5), MaskKind.KEYFRAME)
    assert frames_to_repropagate(project, record, OPTIONS) is None


def test_propagating_the_stale_frames_gives_the_masks_of_a_whole_propagation(propagated):
    project, oid, scene, record = propagated
    project.set_mask(oid, 9, scene.mask(9), MaskKind.KEYFRAME)
    stale = frames_to_repropagate(project, record, OPTIONS)
    kept = {f: project.packed_mask(oid, f) for f in range(12) if f not in stale}
    propagate_project(project, scene.frame, options=OPTIONS, frames=stale)
    assert all(project.packed_mask(oid, f) is kept[f] for f in kept), "frames outside the segment untouched"
    partial = {f: project.mask(oid, f) for f in range(12)}
    propagate_project(project, scene.frame, options=OPTIONS)
    assert all(np.array_equal(project.mask(oid, f), partial[f]) for f in range(12))
    assert frames_to_repropagate(project, record_propagation(project, OPTIONS), OPTIONS) == []
