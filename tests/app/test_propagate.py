"""Propagate masks: a job carries the keyframe masks to every frame, as one undo step."""

import numpy as np

from core.project import MaskKind

PROPAGATE_TIMEOUT_MS = 60000


def test_propagate_fills_the_frames_between_keyframes_and_undo_removes_them(window, qtbot):
    project, oid = window.session.project, window.session.active_object
    keyframe_masks = {f: project.mask(oid, f).copy() for f in project.mask_keyframes()}
    assert project.mask(oid, 1) is None
    window.actions.propagate.trigger()
    job = next(j for j in window.jobs.jobs if j.title == "Propagating masks")
    assert not window.actions.propagate.isEnabled(), "one propagation at a time"
    with qtbot.waitSignal(job.succeeded, timeout=PROPAGATE_TIMEOUT_MS):
        pass
    for frame in (1, 19, 21, 39, 78):
        mask = project.mask(oid, frame)
        assert mask is not None and project.mask_kind(oid, frame) == MaskKind.PROPAGATED, frame
        assert mask.any(), f"frame {frame} got an empty mask"
    # a neighbour's mask is close to its keyframe's (the rider moves a few pixels a frame)
    near = project.mask(oid, 1) > 0
    key = keyframe_masks[0] > 0
    assert (near & key).sum() / (near | key).sum() > 0.5
    for frame, mask in keyframe_masks.items():
        assert np.array_equal(project.mask(oid, frame), mask), "keyframes are never replaced"
    assert set(project.mask_frames(oid)) == set(range(80))
    # each propagated frame's certainty reaches the timeline, and U's action jumps to one of them
    certainty = window.timeline.certainty[oid]
    assert set(certainty) == set(project.mask_frames(oid, MaskKind.PROPAGATED))
    assert all(0.0 <= value <= 1.0 for value in certainty.values())
    window.actions.least_certain.trigger()
    assert certainty[window.session.frame] == min(certainty.values())
    window.session.set_frame(10)
    qtbot.waitUntil(lambda: window.canvas.frame_index == 10)
    assert window.canvas.mask_layer is not None, "the propagated mask is drawn"
    qtbot.waitUntil(lambda: window.actions.propagate.isEnabled())
    window.actions.undo.trigger()
    assert project.mask_frames(oid) == sorted(keyframe_masks), "one undo step removes every propagated mask"
    window.actions.redo.trigger()
    assert len(project.mask_frames(oid, MaskKind.PROPAGATED)) == 75

