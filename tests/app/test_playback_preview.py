"""Watching the removal play: playback with the preview on shows the cleaned frames that are
ready (the original otherwise, said by a badge), a worker renders ahead of the playhead, and an
export's frames are kept for the preview."""

import numpy as np

from app.viewer.controller import NOT_CLEANED
from app.viewer.layers import image_array
from app.workers.tasks import ExportOptions
from tests.app.conftest import rendered, wait_for_frame, wait_for_jobs

RENDER_TIMEOUT_MS = 120000


def flat(value: int, project) -> np.ndarray:
    return np.full((project.clip.height, project.clip.width, 3), value, np.uint8)



def test_playback_shows_the_cleaned_frames_that_are_ready_and_renders_ahead(window, qtbot):
    session, viewer, canvas = window.session, window.viewer, window.canvas
    project, cleaned = session.project, session.render_cache
    cleaned.put(5, flat(50, project))  # stand-ins, told apart from any real frame
    cleaned.put(6, flat(60, project))
    window.actions.layer_result.setChecked(True)
    window.playback.forward()
    assert viewer.speed == 1, "the viewer hears that playback started"
    window.playback.pause()
    assert viewer.speed == 0
    viewer.set_playing(1)  # as playback's timer would, one frame at a time
    for frame in (5, 6):
        session.set_frame(frame)
        wait_for_frame(qtbot, window, frame)
        assert canvas.result is not None, "shown with its cleaned version at once: the original never flashes"
        assert np.array_equal(image_array(canvas.result), flat(frame * 10, project)), "the kept cleaned frame"
        assert not canvas.rendering_badge.isVisible()
    session.set_frame(7)  # not cleaned yet: the original, and the badge says so
    wait_for_frame(qtbot, window, 7)
    qtbot.wait(300)
    assert canvas.result is None
    assert canvas.rendering_badge.isVisible() and canvas.rendering_badge.label.text() == NOT_CLEANED
    # meanwhile the worker renders the frames the playhead is about to reach, as the export would
    qtbot.waitUntil(lambda: any(f > 7 for f in cleaned.frames()), timeout=RENDER_TIMEOUT_MS)
    ahead = min(f for f in cleaned.frames() if f > 7)
    viewer.set_playing(0)
    assert viewer._ahead._halted.is_set(), "paused: no more rendering ahead"
    assert np.array_equal(cleaned.get(ahead), rendered(project, ahead))


def test_an_export_keeps_its_frames_for_the_preview_and_playback_shows_them(window, qtbot, tmp_path):
    session, project = window.session, window.session.project
    for frame in (21, 22):  # export needs a mask on every frame of its range
        project.set_mask(project.objects[0].id, frame, project.removal_mask(20))
    qtbot.wait(50)
    assert not session.render_cache.frames()
    window.operations.start_export(ExportOptions(clip_dest=tmp_path / "clean.mp4", start=20, stop=23))
    wait_for_jobs(qtbot, window, timeout=RENDER_TIMEOUT_MS)
    assert (tmp_path / "clean.mp4").is_file()
    assert session.render_cache.frames() == {20, 21, 22}, "no second render to see what was exported"
    exported = session.render_cache.get(21)
    assert np.array_equal(exported, rendered(project, 21))
    window.actions.layer_result.setChecked(True)
    window.viewer.set_playing(1)
    session.set_frame(21)
    wait_for_frame(qtbot, window, 21)
    qtbot.waitUntil(lambda: window.canvas.result is not None, timeout=5000)
    assert np.array_equal(image_array(window.canvas.result), exported)
    window.viewer.set_playing(0)
    # an edit reaching those frames makes them out of date: not shown, rendered again when needed
    project.set_mask(project.objects[0].id, 22, np.zeros_like(project.removal_mask(20)))
    assert not session.render_cache.frames() & {20, 21, 22}
