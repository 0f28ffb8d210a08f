"""The user pressing Cancel mid-way, for the tests of long operations."""

from __future__ import annotations

from core.progress import CancelToken, ProgressFn


def cancel_after(done: int) -> tuple[CancelToken, ProgressFn]:
    """``(token, progress)``: ``progress`` cancels ``token`` when it is told ``done`` units are done
    (the work then raises ``Cancelled`` at its next check)."""
    token = CancelToken()

    def progress(done_now: int, total: int, message: str) -> None:
        if done_now == done:
            token.cancel()

    return token, progress
