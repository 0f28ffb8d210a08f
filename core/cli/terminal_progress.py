"""A progress bar on the terminal for long commands (stderr, redrawn at most 10 times a second)."""

from __future__ import annotations

import sys
import time


class TerminalProgress:
    """A ``progress(done, total, message)`` callback that draws ``label [#####.....] 12/80 msg``."""

    def __init__(self, label: str, stream=None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._last_draw = 0.0
        self._started = time.monotonic()
        self._open = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if done < total and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        fraction = done / total if total else 0.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = now - self._started
        eta = f" ETA {elapsed / fraction - elapsed:5.0f}s" if 0 < fraction < 1 else ""
        line = f"{self.label} [{bar}] {done}/{total}{eta} {message}"[:120]
        if self.stream.isatty():
            self.stream.write("\r" + line.ljust(120))
            self._open = True
            if done >= total:
                self.finish()
        elif done >= total or now - self._started > 0:  # logs: one line per redraw, not a flood
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._open:
            self.stream.write("\n")
            self._open = False
