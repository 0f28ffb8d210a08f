"""The live preview of the removal: one frame at a time, rendered on a worker.

Requests carry a generation number; the window bumps it on every new request and on every edit,
so a result that arrives for an older generation (stale: another frame, or masks since changed)
is dropped by the receiver. A request may carry the frame's key (``core.cleaned_frames``): a
frame already cleaned under it is read back instead of rendered, and a rendered one is kept under
it, unless the project was edited while it rendered (``stored`` then says so). The renderer is
made on the worker's thread by
``make_renderer(notice)`` (anything with ``render_frame(i)``, ``invalidate()`` and ``close()``, see
``render.py``); what it tells ``notice`` (e.g. "no model: showing the flow fill") comes out as
``noticed``.
"""

from __future__ import annotations

import threading
from typing import Callable

from PySide6.QtCore import Signal, Slot

from app.workers.threads import LatestRequestWorker
from core.cleaned_frames import CleanedFrames


class PreviewWorker(LatestRequestWorker):
    """``submit((frame, generation[, key]))`` -> ``rendered(frame, generation, image)``."""

    rendered = Signal(int, int, object)
    stored = Signal(int)  # a rendered frame was kept in the cleaned frames
    started = Signal(int)  # generation being rendered
    noticed = Signal(str)  # the renderer went another way than asked (one line for the status bar)
    fillChanged = Signal(str)  # which fill renders: "network" or "flow" (the renderer's ``method``)

    def __init__(self, make_renderer: Callable[[Callable[[str], None]], object],
                 cache: CleanedFrames | None = None) -> None:
        super().__init__()
        self._make = make_renderer
        self._cache = cache
        self._renderer = None
        self._reset = threading.Event()  # settings or content changed: make a new renderer
        self._masks_changed = threading.Event()
        self._method: str | None = None
        self._last_notice: str | None = None

    def reset(self) -> None:
        """Rebuild the renderer before the next request (settings or content keyframes changed)."""
        self._reset.set()

    def masks_changed(self) -> None:
        """Drop the renderer's per-mask caches before the next request."""
        self._masks_changed.set()

    def handle(self, request: tuple) -> None:
        frame, generation, key = (*request, None)[:3]
        self.started.emit(generation)
        image = self._cache.get(frame, key) if self._cache is not None else None
        if image is None:
            image = self.render(frame)
            self.keep(frame, key, image)
        self.rendered.emit(frame, generation, image)

    def render(self, frame: int):
        """Frame ``frame``'s removal, by a renderer up to date with the project's last edit."""
        if self._renderer is None or self._reset.is_set():
            self._reset.clear()
            self._release_renderer()
            self._renderer = self._make(self._notice)
        if self._masks_changed.is_set():
            self._masks_changed.clear()
            self._renderer.invalidate()
        image = self._renderer.render_frame(frame)
        method = getattr(self._renderer, "method", None)
        if method is not None and method != self._method:
            self._method = method
            self.fillChanged.emit(method)
        return image

    def keep(self, frame: int, key: str | None, image) -> bool:
        """Keep a rendered frame under ``key`` (the project as it was when it was asked for), unless
        an edit came while it rendered: the key may then name other masks than the image's."""
        if self._cache is None or key is None or self._reset.is_set() or self._masks_changed.is_set():
            return False
        self._cache.put(frame, image, key)
        self.stored.emit(frame)
        return True

    def _notice(self, message: str) -> None:
        if message != self._last_notice:  # a new renderer after each edit would say it again
            self._last_notice = message
            self.noticed.emit(message)

    @Slot()
    def release(self) -> None:
        self._release_renderer()

    def _release_renderer(self) -> None:
        close = getattr(self._renderer, "close", None)
        if close is not None:
            close()
        self._renderer = None
