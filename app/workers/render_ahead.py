"""While playing with the preview on: the frames the playhead is about to reach, rendered one at a
time into the cleaned frames (``core.cleaned_frames``), so that playback shows them.

A request is ``(playhead, speed, fps, keys)``: the shown frame, frames per tick (negative:
backwards), ticks a second, and the frames' keys as the project is now. The worker renders the
first frame not yet cleaned at least ``lead`` frames ahead, where ``lead`` is how far the playhead
moves while one frame renders (measured), then goes on from where the playhead is by then. The UI
thread's newest request always wins; :meth:`halt` (playback paused, the preview off) stops it
after the frame in hand: a frame's render is not interrupted.
"""

from __future__ import annotations

import math
import threading
import time

from app.workers.preview import PreviewWorker

LOOKAHEAD = 60  # frames past the lead that are looked at for one not yet cleaned
FIRST_ESTIMATE_S = 0.5  # seconds per frame before one is measured


class RenderAheadWorker(PreviewWorker):
    """``submit((playhead, speed, fps, keys))`` -> ``stored(frame)`` per frame kept."""

    def __init__(self, make_renderer, cache) -> None:
        super().__init__(make_renderer, cache)
        self.seconds_per_frame = FIRST_ESTIMATE_S
        self._halted = threading.Event()

    def submit(self, request) -> None:
        self._halted.clear()
        super().submit(request)

    def halt(self) -> None:
        """Stop after the frame being rendered (callable from the UI thread)."""
        self._halted.set()

    def next_frame(self, playhead: int, speed: int, fps: float, keys) -> int | None:
        """The frame to render now: not cleaned yet, and not passed by the time it is done."""
        step = 1 if speed > 0 else -1
        lead = max(1, math.ceil(self.seconds_per_frame * fps * abs(speed)))
        for distance in range(lead, lead + LOOKAHEAD):
            frame = playhead + step * distance
            if not 0 <= frame < len(keys):
                return None
            if not self._cache.store.has(frame, keys[frame]):
                return frame
        return None

    def handle(self, request) -> None:
        playhead, speed, fps, keys = request
        if self._halted.is_set() or not speed:
            return
        frame = self.next_frame(playhead, speed, fps, keys)
        if frame is None:
            return
        started = time.monotonic()
        image = self.render(frame)
        self.seconds_per_frame = 0.5 * self.seconds_per_frame + 0.5 * (time.monotonic() - started)
        self.keep(frame, keys[frame], image)
        # the playhead moved on while this frame rendered: carry on from where it should be now
        moved = round((time.monotonic() - started) * fps * speed)
        last = len(keys) - 1
        self.submit_if_idle((min(max(playhead + moved, 0), last), speed, fps, keys))
