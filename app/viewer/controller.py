"""Feeds the viewer: decoded frames, mask overlays, the live removal preview and the heat map.

It observes the session, asks the workers for what the shown frame needs, and drops results that
arrived too late: every request carries a generation number, bumped on each new frame and edit.

While playing with the preview on, each frame shows its cleaned version at once if it is among the
cleaned frames kept for the project (``session.render_cache``), else the original with a badge
saying so; a worker renders the frames just ahead of the playhead meanwhile (``render_ahead.py``).
Paused, the shown frame's removal is rendered (and kept) as before.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.session import Session
from app.viewer.canvas import NOTHING_OPEN, ViewerCanvas
from app.viewer.layers import frame_image, heat_overlay, image_array, mask_overlay
from app.workers.consistency import ConsistencyWorker
from app.workers.frames import FrameDecoder, open_reader
from app.workers.preview import PreviewWorker
from app.workers.render_ahead import RenderAheadWorker
from app.workers.render import PreviewRenderer
from app.workers.threads import WorkerThread
from core.render.options import RemovalOptions

DEBOUNCE_MS = 150  # scrubbing has stopped when the frame stays this long
NOT_CLEANED = "Original: not cleaned yet, rendering ahead"  # the badge over a frame playback has no result for
_UNCHANGED = object()


class ViewerController(QObject):
    busyChanged = Signal(bool, str)  # the preview or heat map is being computed
    fillChanged = Signal(str)  # the preview's fill: "network" or "flow"
    problem = Signal(str)  # a worker failed, or the preview fell back to the flow fill: for the status bar

    def __init__(self, session: Session, canvas: ViewerCanvas, opener=open_reader) -> None:
        super().__init__(canvas)
        self.session, self.canvas, self._open = session, canvas, opener
        self.mask_opacity = 0.45
        self.heat_reference = "next"  # or "keyframe": compare with the nearest mask keyframe
        self.device = "auto"  # where the removal network runs (the application's setting)
        self.model_path = None  # the removal network's file; None: core's default (see core.render)
        self.generation = 0
        self._threads: list[WorkerThread] = []
        self._decoder = self._preview = self._consistency = self._ahead = None
        self.speed = 0  # the playback's frames per tick (0: paused)
        self._busy: set[str] = set()
        self._early_result = None
        self._held_frame = None  # playing: a decoded frame waiting for its cleaned version (no flash of the original)
        self._preview_timer = self._single_shot(self._request_preview)
        self._heat_timer = self._single_shot(self._request_heat)
        session.projectReplaced.connect(self._on_project_replaced)
        session.frameChanged.connect(self._on_frame_changed)
        session.projectChanged.connect(self._on_project_changed)

    # --- layers ----------------------------------------------------------------------------
    def set_layer(self, name: str, on: bool) -> None:
        """``name``: "masks", "result", "heat" or "wipe"."""
        setattr(self.canvas, f"show_{name}", on)
        if name in ("result", "wipe"):
            self._schedule(self._preview_timer, now=True)
            self._request_ahead()
        if name == "heat":
            self._schedule(self._heat_timer, now=True)
        self.canvas.update()

    def set_mask_opacity(self, opacity: float) -> None:
        self.mask_opacity = opacity
        self._refresh_masks()

    def set_render_options(self, *, device: str | None = None, model_path=_UNCHANGED) -> None:
        """Render the preview's network on ``device`` ("auto", "cpu", "cuda", "mps") and / or from
        the file ``model_path`` from now on (None: core's default; the project's own tuned
        weights win over both, see ``app.workers.render.removal_model_for``)."""
        device = device or self.device
        model_path = self.model_path if model_path is _UNCHANGED else model_path
        if (device, model_path) == (self.device, self.model_path):
            return
        self.device, self.model_path = device, model_path
        if self._preview is not None:
            self._preview.reset()
            self._ahead.reset()
            self._supersede()
            self.canvas.set_layers(result=None)
            self._schedule(self._preview_timer, now=True)

    def removal_options(self) -> RemovalOptions:
        """The preview's removal options: the device and model file set above, the project's method."""
        return RemovalOptions(model_path=self.model_path, device=self.device)

    def shown_content(self) -> np.ndarray | None:
        """The shown frame as it is now, ``(H, W, 3)`` uint8 RGB: its hand fix if it has one, else
        the removal result when it has arrived, else the source frame; None before a frame shows."""
        project, index, canvas = self.session.project, self.canvas.frame_index, self.canvas
        if project is None or index is None or canvas.source is None:
            return None
        fixed = project.content_keyframe(index)
        if fixed is not None:
            return fixed
        return image_array(canvas.result if canvas.result is not None else canvas.source)

    def set_heat_reference(self, reference: str) -> None:
        self.heat_reference = reference
        self._schedule(self._heat_timer, now=True)

    def shutdown(self) -> None:
        self._preview_timer.stop()
        self._heat_timer.stop()
        for thread in self._threads:
            thread.stop()
        self._threads.clear()
        self._decoder = self._preview = self._consistency = self._ahead = None

    def set_playing(self, speed: int) -> None:
        """Playback's speed changed (frames per tick, 0: paused): playing shows the cleaned frames
        that are ready and renders ahead; paused renders the shown frame."""
        self.speed = speed
        if speed:
            self._request_ahead()
        else:
            if self._ahead is not None:
                self._ahead.halt()
            held, self._held_frame = self._held_frame, None
            if held is not None:  # its cleaned version is rendered again, paused
                self.canvas.set_frame(held[0], frame_image(held[1]))
                self._refresh_masks()
            self._supersede()
            self._schedule(self._preview_timer, now=True)

    # --- session events --------------------------------------------------------------------
    def _on_project_replaced(self) -> None:
        self.shutdown()
        self._set_busy("preview", False)
        self._set_busy("heat", False)
        project = self.session.project
        if project is None:
            self.canvas.clear(NOTHING_OPEN)
            return
        self.canvas.clear("Decoding…")
        path, count = project.clip.path, project.clip.frame_count
        self._decoder = self._start(FrameDecoder(path, self._open), "frame decoder")
        self._decoder.frameReady.connect(self._on_frame_ready)
        self._preview = self._start(
            PreviewWorker(lambda notice: PreviewRenderer(project, self._open, self.removal_options(), notice=notice),
                          self.session.render_cache), "preview")
        self._preview.rendered.connect(self._on_rendered)
        self._preview.stored.connect(self.session.mark_rendered)
        self._ahead = self._start(
            RenderAheadWorker(lambda notice: PreviewRenderer(project, self._open, self.removal_options(),
                                                          notice=notice),
                              self.session.render_cache), "render ahead")
        self._ahead.stored.connect(self.session.mark_rendered)
        self._preview.noticed.connect(self.problem)
        self._preview.fillChanged.connect(self.fillChanged)
        self._consistency = self._start(
            ConsistencyWorker(path, count, project.settings.working_width, self._open), "flow consistency")
        self._consistency.computed.connect(self._on_consistency)

    def _on_frame_changed(self, frame: int) -> None:
        if self._decoder is None:
            return
        self._decoder.submit(frame)
        self._supersede()  # anything in flight is for another frame now
        if self.speed and self._showing_result():
            self._preview_timer.stop()
            self._show_while_playing(frame)
            self._request_ahead()
        else:
            self._schedule(self._preview_timer)
        self._schedule(self._heat_timer)

    def _on_project_changed(self, event) -> None:
        if self._preview is not None:
            if event.kind in ("settings", "content"):
                self._preview.reset()
                self._ahead.reset()
                self._consistency.set_working_width(self.session.project.settings.working_width)
            elif event.kind in ("mask", "objects"):
                self._preview.masks_changed()
                self._ahead.masks_changed()
        if event.kind in ("mask", "objects", "content", "settings"):
            self._supersede()
            self._refresh_masks()
            self.canvas.set_layers(result=None)
            if self.session.project.content_keyframe(self.session.frame) is not None:
                self._request_preview()  # painted by hand: shown as it is, at once (no flicker)
            else:
                self._schedule(self._preview_timer)
            self._schedule(self._heat_timer)
            self._request_ahead()  # with the frames' new keys

    # --- worker results --------------------------------------------------------------------
    def _on_frame_ready(self, index: int, frame) -> None:
        early, self._early_result = self._early_result, None
        cleaned_coming = (self.speed and self._showing_result() and index == self.session.frame
                          and index in self.session.render_cache and (early is None or early[0] != index))
        if cleaned_coming:  # shown with its cleaned version, in one paint: the original never flashes
            self._held_frame = (index, frame)
            return
        self._held_frame = None
        self.canvas.set_frame(index, frame_image(frame))
        self._refresh_masks()
        if early is not None:
            self._on_rendered(*early)

    def _on_rendered(self, frame: int, generation: int, image) -> None:
        if generation != self.generation:
            return  # stale: the frame or its masks changed since this was asked for
        held, self._held_frame = self._held_frame, None
        if held is not None and held[0] == frame:
            self.canvas.set_frame(frame, frame_image(held[1]))
            self._refresh_masks()
        if frame != self.canvas.frame_index:
            self._early_result = (frame, generation, image)  # the frame itself is still decoding
            return
        self._set_busy("preview", False)
        self.canvas.set_layers(result=frame_image(image))

    def _on_consistency(self, a: int, b: int, generation: int, consistency) -> None:
        if generation != self.generation or a != self.canvas.frame_index:
            return
        self._set_busy("heat", False)
        shape = (self.canvas.source.height(), self.canvas.source.width())
        self.canvas.set_layers(heat_layer=heat_overlay(consistency, shape))

    def _on_failed(self, message: str) -> None:
        self._set_busy("preview", False)
        self._set_busy("heat", False)
        self.problem.emit(message)

    # --- requests --------------------------------------------------------------------------
    def _request_preview(self) -> None:
        if self._preview is None or not (self.canvas.show_result or self.canvas.show_wipe):
            self._set_busy("preview", False)
            return
        if self.speed:  # playing: no render of the shown frame, the worker renders ahead
            self._show_while_playing(self.session.frame)
            return
        fixed = self.session.project.content_keyframe(self.session.frame)
        if fixed is not None:  # a frame fixed by hand is its own removal: nothing to render
            self._set_busy("preview", False)
            self._on_rendered(self.session.frame, self.generation, fixed)
            return
        self._set_busy("preview", True)
        self._preview.submit((self.session.frame, self.generation, self._key(self.session.frame)))

    def _show_while_playing(self, frame: int) -> None:
        """The cleaned frame if it is ready (read on the preview's worker), else the original, said."""
        fixed = self.session.project.content_keyframe(frame)
        if fixed is not None:
            self._on_rendered(frame, self.generation, fixed)
        elif frame in self.session.render_cache:
            self._preview.submit((frame, self.generation, self._key(frame)))
        else:
            self.canvas.set_rendering(True, NOT_CLEANED)

    def _request_ahead(self) -> None:
        if self._ahead is None:
            return
        if not (self.speed and self._showing_result()):
            self._ahead.halt()
            return
        fps = float(self.session.project.clip.frame_rate)
        self._ahead.submit((self.session.frame, self.speed, fps, self.session.render_cache.keys()))

    def _showing_result(self) -> bool:
        return self.canvas.show_result or self.canvas.show_wipe

    def _key(self, frame: int) -> str | None:
        cache = self.session.render_cache
        return cache.key(frame) if cache is not None else None

    def _request_heat(self) -> None:
        project = self.session.project
        if self._consistency is None or not self.canvas.show_heat or project.clip.frame_count < 2:
            self._set_busy("heat", False)
            return
        self._set_busy("heat", True)
        self._consistency.submit((self.session.frame, self._heat_partner(self.session.frame), self.generation))

    def _heat_partner(self, frame: int) -> int:
        keyframes = [k for k in self.session.project.mask_keyframes() if k != frame]
        if self.heat_reference == "keyframe" and keyframes:
            return min(keyframes, key=lambda k: abs(k - frame))
        return frame + 1 if frame + 1 < self.session.frame_count else frame - 1

    def _refresh_masks(self) -> None:
        project, index = self.session.project, self.canvas.frame_index
        if project is None or index is None:
            return
        masks = [(project.mask(o.id, index), o.colour) for o in project.objects if o.visible]
        layer = mask_overlay([(m, c) for m, c in masks if m is not None], self.mask_opacity,
                             (project.clip.height, project.clip.width))
        self.canvas.set_layers(mask_layer=layer)

    # --- plumbing --------------------------------------------------------------------------
    def _start(self, worker, name: str):
        worker.failed.connect(self._on_failed)
        self._threads.append(WorkerThread(worker, name))
        return worker

    def _single_shot(self, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(DEBOUNCE_MS)
        timer.timeout.connect(slot)
        return timer

    def _schedule(self, timer: QTimer, now: bool = False) -> None:
        timer.start(0 if now else DEBOUNCE_MS)

    def _supersede(self) -> None:
        """The shown frame or its inputs changed: what is in flight will be dropped when it lands."""
        self.generation += 1
        self._set_busy("preview", False)
        self._set_busy("heat", False)

    def _set_busy(self, what: str, busy: bool) -> None:
        if what == "preview":
            self.canvas.set_rendering(busy)
        was = bool(self._busy)
        (self._busy.add if busy else self._busy.discard)(what)
        if bool(self._busy) != was or busy:
            label = {"preview": "Rendering preview", "heat": "Computing flow consistency"}
            self.busyChanged.emit(bool(self._busy), ", ".join(label[w] for w in sorted(self._busy)))
