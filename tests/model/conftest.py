"""Shared fixtures for the model tests: 2 CPU threads, a fixed seed, tiny sizes."""

import pytest
import torch

torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield


@pytest.fixture
def tiny_config():
    from core.model import ModelConfig

    return ModelConfig.tiny()
