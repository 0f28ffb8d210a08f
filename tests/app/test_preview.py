"""The live removal preview: rendered on a worker for the shown frame; late results are dropped."""

import threading

import numpy as np
from PySide6.QtCore import QObject, Slot

from app.viewer.layers import image_array
from app.workers.preview import PreviewWorker
from app.workers.render import PreviewRenderer
from app.workers.threads import WorkerThread
from tests.app.conftest import emitted, wait_for_frame

RENDER_TIMEOUT_MS = 30000


class GatedRenderer:
    """Renders frame ``i`` as a flat image of value ``i``; the first render waits for ``gate``."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.rendered: list[int] = []
        self.invalidated = 0
        self.closed = False

    def render_frame(self, index: int) -> np.ndarray:
        if not self.rendered:
            self.gate.wait(10)
        self.rendered.append(index)
        return np.full((4, 6, 3), index, np.uint8)

    def invalidate(self) -> None:
        self.invalidated += 1

    def close(self) -> None:
        self.closed = True


class Results(QObject):
    """Collects ``rendered`` on the test's thread."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[int, int, int]] = []

    @Slot(int, int, object)
    def add(self, frame: int, generation: int, image) -> None:
        self.items.append((frame, generation, int(image[0, 0, 0])))


def test_worker_serves_only_the_newest_request(qtbot):
    renderer = GatedRenderer()
    worker = PreviewWorker(lambda notice: renderer)
    results = Results()
    worker.rendered.connect(results.add)
    thread = WorkerThread(worker, "preview test")
    try:
        worker.submit((1, 1))
        qtbot.waitUntil(lambda: worker.pending() is None)  # the worker is busy with frame 1
        worker.submit((2, 2))  # superseded before the worker gets to it: never rendered
        worker.submit((3, 3))
        renderer.gate.set()
        qtbot.waitUntil(lambda: len(results.items) == 2, timeout=5000)
        qtbot.wait(50)
        assert results.items == [(1, 1, 1), (3, 3, 3)]
        assert renderer.rendered == [1, 3]
        worker.masks_changed()
        with emitted(qtbot, worker.rendered):
            worker.submit((4, 4))
        assert renderer.invalidated == 1, "changed masks reach the renderer before the next frame"
    finally:
        thread.stop()
    assert renderer.closed, "stopping the thread releases the renderer on its own thread"


def test_worker_failure_is_reported_and_the_worker_keeps_serving(qtbot):
    class Flaky(GatedRenderer):
        def render_frame(self, index):
            if index == 1:
                raise RuntimeError("boom")
            return np.full((4, 6, 3), index, np.uint8)

    worker = PreviewWorker(lambda notice: Flaky())
    thread = WorkerThread(worker, "preview test")
    try:
        with emitted(qtbot, worker.failed) as failed:
            worker.submit((1, 1))
        assert "RuntimeError: boom" in failed.args[0]
        with emitted(qtbot, worker.rendered) as rendered:
            worker.submit((2, 2))
        assert rendered.args[:2] == [2, 2]
    finally:
        thread.stop()


def test_window_shows_the_removal_of_the_current_frame_and_drops_stale_results(window, qtbot):
    project = window.session.project
    window.session.set_frame(20)  # a keyframe: its mask is filled
    wait_for_frame(qtbot, window, 20)
    window.actions.layer_result.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.result is not None, timeout=RENDER_TIMEOUT_MS)
    shown = image_array(window.canvas.result)
    renderer = PreviewRenderer(project)
    try:
        expected = renderer.render_frame(20)
    finally:
        renderer.close()
    assert np.array_equal(shown, expected), "the preview is the renderer's frame 20"
    assert not np.array_equal(shown, image_array(window.canvas.source)), "the rider was removed"
    # a result for an older generation (another frame, or masks since edited) is ignored
    stale = np.zeros_like(expected)
    window.viewer._preview.rendered.emit(20, window.viewer.generation - 1, stale)
    assert np.array_equal(image_array(window.canvas.result), expected)
    # moving on clears the result until the new frame's arrives
    window.session.set_frame(21)
    wait_for_frame(qtbot, window, 21)
    window.viewer._preview.rendered.emit(20, window.viewer.generation, stale)
    assert window.canvas.result is None, "frame 20's result is not shown over frame 21"


def test_the_viewer_shows_a_spinner_while_the_current_frame_renders(window, qtbot, monkeypatch):
    gates = {frame: threading.Event() for frame in (0, 1, 2)}

    class Renderer(GatedRenderer):
        """Frame ``i`` waits for ``gates[i]``; frame 2 fails."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__()

        def render_frame(self, index):
            gates[index].wait(10)
            if index == 2:
                raise RuntimeError("boom")
            return np.full((240, 432, 3), index, np.uint8)

    monkeypatch.setattr("app.viewer.controller.PreviewRenderer", Renderer)
    viewer, badge = window.viewer, window.canvas.rendering_badge
    assert not badge.isVisible()
    with emitted(qtbot, viewer._preview.started) as started:
        window.actions.layer_result.setChecked(True)
    assert started.args == [viewer.generation]
    assert badge.isVisible() and badge.spinner.isVisible(), "frame 0 is rendering"
    angle = badge.spinner.angle
    qtbot.waitUntil(lambda: badge.spinner.angle != angle, timeout=2000)  # it turns
    # scrubbing on supersedes the request in flight: no spinner until the new frame's request
    window.session.set_frame(1)
    assert not badge.isVisible()
    wait_for_frame(qtbot, window, 1)
    qtbot.waitUntil(badge.isVisible, timeout=2000)
    generation = viewer.generation
    with emitted(qtbot, viewer._preview.rendered) as stale:
        gates[0].set()
    assert stale.args[:2] == [0, generation - 1]
    qtbot.wait(20)
    assert badge.isVisible(), "a stale result does not end the current frame's render"
    with emitted(qtbot, viewer._preview.rendered):
        gates[1].set()
    qtbot.waitUntil(lambda: not badge.isVisible(), timeout=2000)
    assert int(image_array(window.canvas.result)[0, 0, 0]) == 1
    # a failed render hides it too
    window.session.set_frame(2)
    qtbot.waitUntil(badge.isVisible, timeout=2000)
    gates[2].set()
    qtbot.waitUntil(lambda: not badge.isVisible(), timeout=5000)
