"""Propagate after a keyframe edit recomputes only the frames between its neighbouring keyframes,
on the flows the first propagation computed (issue 15, fast edits)."""

import numpy as np

import core.roto
from app.notices import in_window_words
from app.propagation import UP_TO_DATE
from core.flow import project_flows
from core.project import MaskKind

PROPAGATE_TIMEOUT_MS = 120000


def _propagate(window, qtbot):
    window.actions.propagate.trigger()
    job = next(j for j in window.jobs.jobs if j.title == "Propagating masks")  # its signal is queued to this thread
    with qtbot.waitSignal(job.succeeded, timeout=PROPAGATE_TIMEOUT_MS):
        pass
    qtbot.waitUntil(lambda: window.actions.propagate.isEnabled())


def test_a_corrected_keyframe_repropagates_only_its_segment_on_cached_flows(window, qtbot, monkeypatch):
    project, oid = window.session.project, window.session.active_object
    assert project.mask_keyframes(oid) == [0, 20, 40, 60, 79]
    asked = []
    real = core.roto.propagated_project_results

    def recording(*args, **kwargs):
        asked.append(kwargs.get("frames"))
        return real(*args, **kwargs)

    monkeypatch.setattr(core.roto, "propagated_project_results", recording)
    _propagate(window, qtbot)
    assert asked == [None], "the first propagation computes every frame"
    flows = project_flows(project)
    computed = flows.pairs_stored
    assert computed >= 79
    outside = {f: project.packed_mask(oid, f) for f in range(41, 79) if f != 60}
    certainty_outside = {f: window.timeline.certainty[oid][f] for f in outside}

    corrected = project.mask(oid, 20).copy()
    corrected[100:110, 200:210] = 255  # the editor adds a few pixels to keyframe 20
    project.set_mask(oid, 20, corrected, MaskKind.KEYFRAME)
    before = {f: project.packed_mask(oid, f) for f in range(1, 40)}
    _propagate(window, qtbot)

    segment = [f for f in range(1, 40) if f != 20]
    assert asked[1] == segment, "only the frames between keyframes 0 and 40 are propagated again"
    assert all(project.packed_mask(oid, f) is outside[f] for f in outside), "frames outside are not rewritten"
    assert any(project.packed_mask(oid, f) != before[f] for f in segment), "the segment took the correction"
    assert flows.pairs_stored == computed, "no flow computed again"
    assert {f: window.timeline.certainty[oid][f] for f in outside} == certainty_outside
    assert set(window.timeline.certainty[oid]) == set(project.mask_frames(oid, MaskKind.PROPAGATED))

    window.actions.propagate.trigger()  # nothing changed since
    assert len(asked) == 2 and not window.jobs.is_running("Propagating masks"), "no job started"
    assert window.status.last_notice == in_window_words(UP_TO_DATE)

    window.actions.undo.trigger()  # the re-propagation is one undo step: the segment's old masks are back
    assert all(np.array_equal(project.packed_mask(oid, f), before[f]) for f in segment)


def _finish(job, qtbot):
    with qtbot.waitSignal(job.succeeded, timeout=PROPAGATE_TIMEOUT_MS):
        pass


def test_with_the_refiner_an_edit_shows_a_quick_pass_then_refines_it_as_its_own_undo_step(
        window, qtbot, monkeypatch):
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "3")
    project, oid = window.session.project, window.session.active_object
    asked = []
    real = core.roto.propagated_project_results

    def recording(*args, **kwargs):
        asked.append((kwargs.get("frames"), kwargs["options"].refiner_learns))
        return real(*args, **kwargs)

    monkeypatch.setattr(core.roto, "propagated_project_results", recording)
    _propagate(window, qtbot)
    assert asked == [(None, True)], "the first propagation learns: there is no refiner to reuse"
    assert window.operations.propagation.refining is None

    corrected = project.mask(oid, 20).copy()
    corrected[100:110, 200:210] = 255
    project.set_mask(oid, 20, corrected, MaskKind.KEYFRAME)
    before = {f: project.packed_mask(oid, f) for f in range(1, 40)}
    segment = [f for f in range(1, 40) if f != 20]
    _propagate(window, qtbot)
    quick = {f: project.packed_mask(oid, f) for f in segment}
    assert asked[1] == (segment, False), "the quick pass reuses the kept refiner"
    assert any(quick[f] != before[f] for f in segment), "the quick pass stored the edit's segment"
    refining = window.operations.propagation.refining
    assert refining is not None and refining.title == "Refining propagated masks"
    assert window.actions.propagate.isEnabled(), "refining does not block the next edit"
    assert window.operations.propagation.start() is None, "nothing changed: no new job"
    assert window.operations.propagation.refining is refining and not refining.token.cancelled, "it goes on"
    _finish(refining, qtbot)
    assert asked[2] == (segment, True), "then the refiner learns the edit, in the background"
    assert window.session.undo_stack.undoText() == "Refine propagated masks"
    assert any(project.packed_mask(oid, f) != quick[f] for f in segment), "the refined masks replaced them"
    window.actions.undo.trigger()
    assert all(np.array_equal(project.packed_mask(oid, f), quick[f]) for f in segment)
    window.actions.redo.trigger()

    # an edit while it refines: the refined masks are dropped, the next Propagate redoes the frames
    corrected[100:110, 200:210] = 0  # and takes them back
    project.set_mask(oid, 20, corrected, MaskKind.KEYFRAME)
    _propagate(window, qtbot)
    refining = window.operations.propagation.refining
    project.set_mask(oid, 5, project.mask(oid, 5), MaskKind.KEYFRAME)  # the editor paints frame 5
    stored = {f: project.packed_mask(oid, f) for f in segment}
    _finish(refining, qtbot)
    assert all(project.packed_mask(oid, f) is stored[f] for f in segment), "nothing stored over the edit"
    _propagate(window, qtbot)
    assert set(asked[-1][0]) - {5} == set(segment) - {5}, "the unrefined frames are propagated again"


def test_a_saved_project_keeps_its_refiners_beside_it_for_the_next_session(window, qtbot, monkeypatch, tmp_path):
    from core.project import save_project
    from core.roto import propagate as propagate_module
    from core.roto.clip_refiner import forget_refiners
    from core.roto.refiner_store import refiners_folder

    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "3")
    project, oid = window.session.project, window.session.active_object
    save_project(project, tmp_path / "shot.keyfill")
    forget_refiners()  # none left by another test of the same clip and keyframes
    _propagate(window, qtbot)
    assert len(list(refiners_folder(project.path).glob("*.pt"))) == 2

    forget_refiners()  # as in a new session: the process kept none
    used = []
    real = propagate_module.kept_clip_refiner
    monkeypatch.setattr(propagate_module, "kept_clip_refiner", lambda *a: used.append(real(*a)) or used[-1])
    corrected = project.mask(oid, 20).copy()
    corrected[100:110, 200:210] = 255
    project.set_mask(oid, 20, corrected, MaskKind.KEYFRAME)
    _propagate(window, qtbot)
    assert used and used[0] is not None, "the quick pass refines with the refiner read from beside the project"
    _finish(window.operations.propagation.refining, qtbot)
