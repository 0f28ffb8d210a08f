"""The weights registry (core.model.weights): where each checkpoint is looked for, the task check,
one loader and one cache for the removal and the rotoscoping networks (and the clip refiner's
pretrained weights: tests/roto/test_refiner_pretraining.py); one device resolver."""

import os
import subprocess
import sys

import pytest
import torch

from core.device import resolve_device
from core.errors import ModelError
from core.model import build_model, pick_device, save_checkpoint
from core.model.weights import (
    CLIP_REFINER,
    REMOVAL,
    ROTOSCOPING,
    WEIGHTS,
    LoadedWeights,
    forget_loaded_weights,
    load_weights,
)


@pytest.mark.parametrize("entry, env, file", [(REMOVAL, "KEYFILL_MODEL", "keyfill-base.pt"),
                                              (ROTOSCOPING, "KEYFILL_ROTO_MODEL", "keyfill-roto.pt"),
                                              (CLIP_REFINER, "KEYFILL_REFINER_MODEL", "keyfill-refiner.pt")])
def test_each_entry_is_looked_for_in_the_argument_then_its_variable_then_the_installation(
        entry, env, file, tmp_path, monkeypatch):
    assert WEIGHTS[entry.kind] is entry and entry.env == env
    monkeypatch.delenv(env, raising=False)
    assert entry.path() == entry.file and entry.file.name == file
    assert entry.file.parent.name == "models" and entry.file.parent.parent.name == "resources"
    monkeypatch.setenv(env, str(tmp_path / "env.pt"))
    assert entry.path() == tmp_path / "env.pt"
    assert entry.path(tmp_path / "arg.pt") == tmp_path / "arg.pt"


def test_one_loader_checks_the_task_and_keeps_what_it_loaded(tmp_path):
    removal = save_checkpoint(tmp_path / "removal.pt", build_model("tiny"))
    roto = save_checkpoint(tmp_path / "roto.pt", build_model("tiny", out_channels=1, output="mask_logits"))
    first = load_weights(REMOVAL, removal, device="cpu")
    assert isinstance(first, LoadedWeights) and first.path == removal and first.device == torch.device("cpu")
    assert load_weights(REMOVAL, removal, device="cpu") is first
    wrapped = load_weights(ROTOSCOPING, roto, device="cpu", wrap=lambda loaded: ("wrapped", loaded.model))
    assert wrapped[0] == "wrapped" and wrapped[1].config.output == "mask_logits"
    with pytest.raises(ModelError, match="is not a removal model"):
        load_weights(REMOVAL, roto, device="cpu")
    with pytest.raises(ModelError, match="is not a rotoscoping model"):
        load_weights(ROTOSCOPING, removal, device="cpu")
    with pytest.raises(ModelError, match=r"No rotoscoping model at .*KEYFILL_ROTO_MODEL"):
        load_weights(ROTOSCOPING, tmp_path / "missing.pt", device="cpu")
    forget_loaded_weights()
    assert load_weights(REMOVAL, removal, device="cpu") is not first


def test_a_rewritten_checkpoint_is_read_again(tmp_path):
    path = save_checkpoint(tmp_path / "removal.pt", build_model("tiny"))
    first = load_weights(REMOVAL, path, device="cpu")
    save_checkpoint(path, build_model("tiny", base_channels=16))
    os.utime(path, ns=(1, 1))  # another modification time even on a coarse clock
    assert load_weights(REMOVAL, path, device="cpu").model.config.base_channels == 16 != \
        first.model.config.base_channels


def test_the_registry_imports_without_torch():
    code = "import sys, core.model.weights, core.render; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.stdout.strip() == "False"


def test_one_device_resolver_raises_or_falls_back_to_the_cpu():
    assert resolve_device("cpu") == "cpu" and resolve_device("CPU") == "cpu"
    assert resolve_device("tpu") == pick_device("auto").type
    assert pick_device("tpu", fallback=True) == pick_device("auto")
    if not torch.cuda.is_available():
        assert resolve_device("cuda") == "cpu"
        assert pick_device("cuda", fallback=True) == torch.device("cpu")
        with pytest.raises(ModelError, match="CUDA"):
            pick_device("cuda")
