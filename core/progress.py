"""Progress reporting and cancellation shared by every long operation.

The same functions run in the CLI (a terminal bar), the window's workers (Qt signals) and the tests
(plain lists), so the protocol is a plain callable plus a thread-safe token.
"""

from __future__ import annotations

import threading
from typing import Callable

from core.errors import Cancelled

ProgressFn = Callable[[int, int, str], None]
"""``progress(done, total, message)``: ``done`` of ``total`` units finished."""


def no_progress(done: int, total: int, message: str = "") -> None:
    """The default progress callback: ignores everything."""


class CancelToken:
    """Set from any thread; checked by the worker between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise Cancelled("Cancelled by the user; nothing was written.")


NEVER_CANCELLED = CancelToken()
"""A token nobody cancels, for callers that do not offer cancellation."""


def concurrent_parts(progress: ProgressFn, weights: dict[str, int]) -> list[ProgressFn]:
    """One callback per part of work (running one after the other or at the same time, in
    threads), in the order of
    ``weights`` (``{part: expected cost}``), reported to ``progress`` as one: the parts' fractions
    done, weighted and summed, out of the weights' sum."""
    lock = threading.Lock()
    fractions = dict.fromkeys(weights, 0.0)
    total = sum(max(0, int(w)) for w in weights.values())

    def part(name: str) -> ProgressFn:
        def report(done: int, of: int, message: str = "") -> None:
            with lock:
                fractions[name] = max(fractions[name], 1.0 if of <= 0 else min(max(done, 0), of) / of)
                done_sum = round(sum(fractions[n] * max(0, int(weights[n])) for n in weights))
                progress(done_sum, total, message)

        return report

    return [part(name) for name in weights]


class StagedProgress:
    """One ``progress`` over stages of work done one after another, each reporting its own
    ``done / total`` from 0 (a training's steps, then frames carried, then frames refined).

    weights: ``{stage: expected cost}``, in the order the stages run, as integers in any unit
    (say, tenths of a second per step or frame); the overall total is their sum, so one stage
    weighted by its frame count reports exactly its frames. :meth:`stage` gives a stage's
    callback; the overall ``done`` never goes back, even when a stage restarts from 0 or a stage
    is skipped (a later stage's report counts the earlier ones as done).
    """

    def __init__(self, progress: ProgressFn, weights: dict[str, int]) -> None:
        self._progress = progress
        self._weights = {name: max(0, int(weight)) for name, weight in weights.items()}
        self._starts, start = {}, 0
        for name, weight in self._weights.items():
            self._starts[name] = start
            start += weight
        self.total = start
        self.done = 0

    def stage(self, name: str) -> ProgressFn:
        start, weight = self._starts[name], self._weights[name]

        def report(done: int, total: int, message: str = "") -> None:
            within = weight if total <= 0 else weight * min(max(done, 0), total) // total
            self.done = max(self.done, start + within)
            self._progress(self.done, self.total, message)

        return report

    def finish(self, message: str = "") -> None:
        """Report the whole total done (stages that had nothing to do are skipped over)."""
        if self.total > 0 and self.done < self.total:
            self.done = self.total
            self._progress(self.done, self.total, message)
