"""The window's fixtures (offscreen app, isolated settings, ``make_window``) from tests/app."""

from tests.app.conftest import _no_removal_model, _theme, make_window, qapp_args, settings  # noqa: F401
