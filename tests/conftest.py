"""Fixtures shared by the test files."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only test clips (``/work/shared/data`` beside the repository); skip if absent."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared test data not found at {path}")
    return path


@pytest.fixture(autouse=True)
def _no_roto_model(monkeypatch, tmp_path):
    """The classical propagation, whatever rotoscoping model is installed: results must not depend
    on one (tests of the learned correction load a model of their own). The clip refiner, which
    trains for tens of seconds per propagation, is off too; its tests turn it on with
    ``refine_steps`` (tests/roto/test_clip_refiner.py), and it starts from random weights whatever
    pretrained ones are installed (tests/roto/test_refiner_pretraining.py names its own)."""
    monkeypatch.setenv("KEYFILL_ROTO_MODEL", str(tmp_path / "no-roto-model.pt"))
    monkeypatch.setenv("KEYFILL_ROTO_REFINE_STEPS", "0")
    monkeypatch.setenv("KEYFILL_REFINER_MODEL", "none")


@pytest.fixture(autouse=True)
def _no_removal_model(monkeypatch, tmp_path):
    """The flow fill, whatever removal model is installed (resources/models/keyfill-base.pt
    ships): results must not depend on it, and the suite stays fast. Tests of the network point
    ``KEYFILL_MODEL`` at a model of their own; tests/render/test_shipped_model.py loads the
    shipped one."""
    monkeypatch.setenv("KEYFILL_MODEL", str(tmp_path / "no-model.pt"))
