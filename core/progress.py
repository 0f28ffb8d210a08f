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
