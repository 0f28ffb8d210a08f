"""Fixtures shared by the rotoscoping tests."""

from __future__ import annotations

import pytest

from core.roto.clip_refiner import forget_refiners


@pytest.fixture
def no_kept_refiners():
    """Each test trains from scratch: no warm start from a refiner another test left behind."""
    forget_refiners()
    yield
    forget_refiners()
