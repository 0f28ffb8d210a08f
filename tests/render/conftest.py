"""Fixtures for the render tests: the tiny model with random weights (fixed seed), 2 CPU threads."""

import pytest
import torch

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def tiny_model():
    from core.model import build_model

    torch.manual_seed(0)
    return build_model("tiny").eval()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_model):
    from core.model import save_checkpoint

    return save_checkpoint(tmp_path_factory.mktemp("model") / "tiny.pt", tiny_model)
