"""A progress bar on the terminal for long commands (stderr, redrawn at most 10 times a second on a
terminal, once a second in a log).

A command made of stages (``main.py remove``: rotoscoping, removing, writing the mattes) draws one
bar over all of them: each stage gets a weight (its expected share of the time) and its own
``progress(done, total, message)`` from :meth:`TerminalProgress.stage`. The ETA comes from the
rates measured so far (:class:`StagedEstimate`), not from the weights alone.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, Sequence

from core.progress import ProgressFn

LINE_WIDTH = 120
MIN_FRACTION = 0.02  # of a first stage, before its rate says anything about the rest
TRUSTED_FRACTION = 0.1  # of a later stage, from which its own rate replaces the earlier stages'
# rough seconds per frame of the commands' stages at the default working width (bmx-trees on 2 CPU
# cores; rotoscoping with the clip refiner's training; removing by the flow fill), the weights of
# the one bar over them
SECONDS_PER_FRAME = {"rotoscoping": 0.6, "removing": 0.08, "masks": 0.02, "mattes": 0.02}
NETWORK_SECONDS_PER_FRAME = 0.3  # removing when the network runs


class StagedEstimate:
    """Overall fraction done and time left over stages run one after another.

    stages: ``[(name, weight), ...]`` in order, weights > 0 in any unit. The time left is the
    current stage's rest, at its measured rate (blended with the rate of the finished stages until a
    tenth of it is done), plus the later stages' weights at the seconds per weight measured so far.
    """

    def __init__(self, stages: Sequence[tuple[str, float]], clock: Callable[[], float] = time.monotonic) -> None:
        self.names = [name for name, _ in stages]
        self.weights = {name: float(weight) for name, weight in stages}
        self.clock = clock
        self.started = clock()
        self.current: str | None = None
        self._stage_started = self.started
        self._last_report = self.started
        self._stage_fraction = 0.0
        self._finished: dict[str, float] = {}  # stage -> seconds it took
        self._fraction = 0.0

    def report(self, name: str, done: int, total: int) -> None:
        """``name`` has ``done`` of ``total`` units done (moving to a later stage ends the earlier ones)."""
        now = self.clock()
        if name != self.current:
            if self.current is not None and self.names.index(name) < self.names.index(self.current):
                return  # a stage that already ended: the bar never goes back
            # the new stage began when the last report came (its first unit is already done)
            self._end_stages_before(name, self._last_report)
            self.current, self._stage_started, self._stage_fraction = name, self._last_report, 0.0
        self._last_report = now
        fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        self._stage_fraction = max(self._stage_fraction, fraction)  # a stage restarting from 0 stays put
        self._fraction = max(self._fraction, self._overall())

    @property
    def fraction(self) -> float:
        """0..1 of the whole command, by weight; never decreases."""
        return self._fraction

    def seconds_left(self) -> float | None:
        """Estimated seconds to the end of the last stage, None while nothing measured says."""
        if self.current is None:
            return None
        now = self.clock()
        weight, fraction = self.weights[self.current], self._stage_fraction
        elapsed = now - self._stage_started
        done_weight = sum(self.weights[n] for n in self._finished)
        done_seconds = sum(self._finished.values())
        prior = weight * done_seconds / done_weight if done_weight > 0 and done_seconds > 0 else None
        measured = elapsed / fraction if fraction > 0 else None
        if prior is None and (measured is None or fraction < MIN_FRACTION):
            return None
        if prior is None:
            projected = measured
        elif measured is None:
            projected = prior
        else:  # the stage's own rate, fully once a tenth of it is done
            trust = min(1.0, fraction / TRUSTED_FRACTION)
            projected = trust * measured + (1 - trust) * prior
        projected = max(projected, elapsed)
        per_weight = (done_seconds + projected) / (done_weight + weight) if done_weight + weight > 0 else 0.0
        later = self.names[self.names.index(self.current) + 1:]
        return (projected - elapsed) + per_weight * sum(self.weights[n] for n in later)

    def _end_stages_before(self, name: str, now: float) -> None:
        if self.current is not None:
            self._finished[self.current] = now - self._stage_started
        for skipped in self.names[: self.names.index(name)]:
            self._finished.setdefault(skipped, 0.0)  # a stage with nothing to do took no time

    def _overall(self) -> float:
        total = sum(self.weights.values())
        if total <= 0:
            return 0.0
        done = sum(self.weights[n] for n in self._finished if n != self.current)
        return min((done + self.weights[self.current] * self._stage_fraction) / total, 1.0)


class TerminalProgress:
    """A ``progress(done, total, message)`` callback that draws ``label [#####.....] 12/80 ETA 8s msg``;
    with ``stages``, one bar over all of them: ``label [###......] 27% removing 12/80 ETA 35s msg``,
    each stage reporting through :meth:`stage`."""

    def __init__(self, label: str, stream=None, width: int = 30, *,
                 stages: Sequence[tuple[str, float]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.clock = clock
        self.staged = stages is not None
        self.estimate = StagedEstimate(stages if stages is not None else [(label, 1.0)], clock)
        self._last_draw = float("-inf")
        self._last = (0, 0)
        self._open = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        """Without ``stages``: one bar; a count that starts over (a new phase of the work) starts the
        bar and its ETA over, so no time of the earlier phase is counted against the new one."""
        if not self.staged and (done < self._last[0] or total != self._last[1]) and self._last != (0, 0):
            self.finish()
            self.estimate = StagedEstimate([(self.label, 1.0)], self.clock)
        self._last = (done, total)
        self.stage(self.label if not self.staged else self.estimate.names[0])(done, total, message)

    def stage(self, name: str) -> ProgressFn:
        """The progress callback of stage ``name`` (one of ``stages``)."""
        def report(done: int, total: int, message: str = "") -> None:
            self.estimate.report(name, done, total)
            self._draw(name, done, total, message)

        return report

    def finish(self) -> None:
        if self._open:
            self.stream.write("\n")
            self._open = False

    def _draw(self, name: str, done: int, total: int, message: str) -> None:
        now = self.clock()
        tty = self.stream.isatty()
        stage_end = done >= total
        if not stage_end and now - self._last_draw < (0.1 if tty else 1.0):
            return
        self._last_draw = now
        fraction = self.estimate.fraction
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        left = self.estimate.seconds_left()
        eta = f" ETA {_duration(left)}" if left is not None and fraction < 1 else ""
        where = f" {fraction:4.0%} {name} {done}/{total}" if self.staged else f" {done}/{total}"
        line = f"{self.label} [{bar}]{where}{eta} {message}"[:LINE_WIDTH]
        if tty:
            self.stream.write("\r" + line.ljust(LINE_WIDTH))
            self._open = True
            if stage_end:  # what the command prints next starts on a line of its own
                self.finish()
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def clip_progress(label: str, frame_count: int, stages: Sequence[str], **seconds_per_frame: float) -> TerminalProgress:
    """One bar over ``stages`` (names in :data:`SECONDS_PER_FRAME`, whose values ``seconds_per_frame``
    overrides) for a clip of ``frame_count`` frames."""
    per_frame = {**SECONDS_PER_FRAME, **seconds_per_frame}
    return TerminalProgress(label, stages=[(name, per_frame[name] * max(frame_count, 1)) for name in stages])
