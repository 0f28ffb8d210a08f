"""A signal handler installed for the length of a ``with`` block (the CLI's Ctrl+C and SIGTERM)."""

from __future__ import annotations

import contextlib
import signal
from typing import Callable, Iterator


@contextlib.contextmanager
def handling(signum: int, handler: Callable) -> Iterator[None]:
    """``handler`` answers ``signum`` inside the block; the previous handler comes back after it.
    Outside the main thread (tests calling ``main``) signals cannot be handled: nothing changes."""
    try:
        previous = signal.signal(signum, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signum, previous)
