import pytest
import torch

from core.errors import ModelError
from core.model import autocast, autocast_dtype, pick_device


def test_auto_prefers_cuda_then_mps_then_cpu():
    device = pick_device("auto")
    if torch.cuda.is_available():
        assert device.type == "cuda"
    elif torch.backends.mps.is_available():
        assert device.type == "mps"
    else:
        assert device == torch.device("cpu")


def test_explicit_choices():
    assert pick_device("cpu") == torch.device("cpu")
    with pytest.raises(ModelError, match="Unknown device"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="CUDA"):
            pick_device("cuda")


def test_autocast_is_a_no_op_on_cpu():
    assert autocast_dtype("cpu") is None
    with autocast(torch.device("cpu")):
        y = torch.ones(2, 2) @ torch.ones(2, 2)
    assert y.dtype == torch.float32
