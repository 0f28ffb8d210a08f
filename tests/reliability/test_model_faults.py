"""A removal checkpoint that is truncated or built for another configuration: ModelError when the
network was asked for by name, the classical flow fill with a one-line notice otherwise.

Already covered: a missing file, bytes that are not a checkpoint, another torch file, weights of
another config, an unknown config field, a newer format (tests/model/test_checkpoint.py), a
checkpoint for another task and missing / garbage files falling back with a notice
(tests/render/test_model_finder.py), and a damaged model in the window
(tests/app/test_removal_setting.py).
"""

from __future__ import annotations

import pytest
import torch

from core.errors import ModelError
from core.model import build_model, load_checkpoint, save_checkpoint
from core.render import RemovalOptions, find_removal_model, load_removal_model, removed_frames
from tests.render.synthetic import synthetic_project


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    return save_checkpoint(tmp_path_factory.mktemp("model") / "tiny.pt", build_model("tiny"))


def _damage(checkpoint, tmp_path, how: str):
    path = tmp_path / f"{how}.pt"
    if how == "truncated":
        data = checkpoint.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])
    else:  # the weights of the tiny model under a config that says "two more blocks"
        payload = torch.load(checkpoint, weights_only=True)
        payload["config"] = {**payload["config"], "intra_blocks": payload["config"]["intra_blocks"] + 2}
        torch.save(payload, path)
    return path


@pytest.mark.parametrize("how", ["truncated", "another config"])
def test_a_damaged_checkpoint_falls_back_to_the_flow_fill_with_a_notice(checkpoint, tmp_path, how):
    path = _damage(checkpoint, tmp_path, how)
    with pytest.raises(ModelError, match="re-download or re-train it" if how == "truncated" else "does not match"):
        load_checkpoint(path)
    with pytest.raises(ModelError):  # --method network: the user asked for it, so it is an error
        load_removal_model(path, device="cpu")
    notices = []
    assert find_removal_model(path, device="cpu", notice=notices.append) is None
    assert len(notices) == 1 and str(path) in notices[0] and notices[0].endswith("Using the classical flow fill instead.")
    project, frames, _ = synthetic_project(6)
    notices.clear()
    out = list(removed_frames(project, frames.__getitem__, RemovalOptions("auto", path), notice=notices.append))
    assert len(out) == 6 and all(o.shape == f.shape for o, f in zip(out, frames))
    assert len(notices) == 1 and "flow fill" in notices[0]
