import pytest
import torch

from core.errors import ModelError
from core.model import build_model, load_checkpoint, save_checkpoint


@pytest.fixture
def saved(tmp_path):
    model = build_model("tiny").eval()
    path = save_checkpoint(tmp_path / "model.pt", model, extra={"step": 7, "losses": [0.5, 0.25]})
    return model, path


def test_round_trip_gives_the_same_outputs(saved):
    model, path = saved
    loaded, extra = load_checkpoint(path, "cpu")
    assert extra == {"step": 7, "losses": [0.5, 0.25]}
    assert loaded.config == model.config and not loaded.training
    target, keyframes = torch.rand(1, 4, 32, 32), torch.rand(1, 2, 4, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded(target, keyframes), model(target, keyframes))


def test_a_half_precision_checkpoint_is_half_the_size_and_loads_as_fp32(saved, tmp_path):
    model, path = saved
    half = save_checkpoint(tmp_path / "half.pt", model, dtype=torch.float16)
    assert half.stat().st_size < 0.6 * path.stat().st_size
    loaded, _ = load_checkpoint(half, "cpu")
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    target, keyframes = torch.rand(1, 4, 32, 32), torch.rand(1, 2, 4, 32, 32)
    with torch.no_grad():
        assert torch.allclose(loaded(target, keyframes), model(target, keyframes), atol=5e-3)


def test_no_temporary_files_left(saved):
    _, path = saved
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_checkpoint(tmp_path / "nope.pt")


def test_truncated_file(saved):
    _, path = saved
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelError, match="corrupt"):
        load_checkpoint(path)


def test_not_a_torch_file(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("hello")
    with pytest.raises(ModelError, match="corrupt"):
        load_checkpoint(path)


def test_other_torch_file(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ModelError, match="not a Keyfill model checkpoint"):
        load_checkpoint(path)


def _rewrite(path, **changes):
    payload = torch.load(path, weights_only=True)
    payload.update(changes)
    torch.save(payload, path)
    return payload


def test_weights_for_another_config(saved):
    _, path = saved
    payload = torch.load(path, weights_only=True)
    _rewrite(path, config={**payload["config"], "intra_blocks": 2})
    with pytest.raises(ModelError, match="does not match"):
        load_checkpoint(path)


def test_unknown_config_field(saved):
    _, path = saved
    payload = torch.load(path, weights_only=True)
    _rewrite(path, config={**payload["config"], "hyperdrive": True})
    with pytest.raises(ModelError, match="does not match"):
        load_checkpoint(path)


def test_newer_format(saved):
    _, path = saved
    _rewrite(path, version=99)
    with pytest.raises(ModelError, match="update Keyfill"):
        load_checkpoint(path)


def test_extra_must_hold_plain_types(tmp_path):
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "m.pt", build_model("tiny"), extra={"when": object()})
    assert not list(tmp_path.iterdir())
