"""The window's fixtures (offscreen app, isolated settings, ``make_window``) from tests/app."""

from tests.app.conftest import _theme, make_window, qapp_args, settings  # noqa: F401
