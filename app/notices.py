"""Core's notices and errors in the window's words.

Core words its fixes for the command line ("pass --model PATH"), where most of them are read. The
window has no flags: the same fix is a menu item or a panel. Each phrase here is core's exact
wording (tests/app/test_model_notice.py renders the real notices and fails if core's words drift
away from these).
"""

from __future__ import annotations

from core.render.model_finder import MODEL_ENV

LOAD_MODEL = "File › Load removal model"

WINDOW_WORDS = (
    (f"train one first, or pass --model PATH (or set {MODEL_ENV})",
     f"train one in the Training panel, or choose one with {LOAD_MODEL}"),
    ("pass a checkpoint trained for removal", f"choose a checkpoint trained for removal with {LOAD_MODEL}"),
    ("pass a .pt file written by Keyfill's training", "choose a .pt file written by Keyfill's training"),
)


def in_window_words(message: str) -> str:
    """``message`` with its command-line fixes said as the window's menus and panels."""
    for cli, window in WINDOW_WORDS:
        message = message.replace(cli, window)
    return message
