"""The removal evaluation: scores that mean what they say, on a tiny synthetic case."""

import math

import numpy as np
import pytest
import torch

from core.eval.completion_metrics import CompletionScore, psnr_from_mse, ssim_map
from core.eval.removal_eval import CompletionCase, evaluate_cases, removal_table_markdown
from tests.render.synthetic import background, box_mask


def test_identical_frames_score_perfectly():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (32, 40, 3), dtype=np.uint8)
    hole = np.zeros((32, 40), bool)
    hole[8:20, 10:30] = True
    score = CompletionScore()
    score.add(frame, frame, hole)
    score.add(frame, frame, hole)
    result = score.summary()
    assert result["psnr_hole"] == result["psnr_frame"] == 99.0
    assert result["ssim_hole"] == pytest.approx(1.0) and result["flicker"] == 0.0


def test_psnr_of_a_known_error_inside_the_hole_only():
    truth = np.full((10, 10, 3), 100, np.uint8)
    filled = truth.copy()
    hole = np.zeros((10, 10), bool)
    hole[:5] = True
    filled[hole] = 110  # error 10 on half the pixels
    result = CompletionScore()
    result.add(filled, truth, hole)
    summary = result.summary()
    assert summary["psnr_hole"] == pytest.approx(psnr_from_mse(100.0))
    assert summary["psnr_frame"] == pytest.approx(psnr_from_mse(50.0))
    assert summary["psnr_hole"] == pytest.approx(10 * math.log10(255**2 / 100))


def test_ssim_falls_with_noise_and_flicker_sees_a_fill_that_jumps():
    rng = np.random.default_rng(1)
    truth = [background(i, 48, 32) for i in range(2)]
    noisy = np.clip(truth[0] + rng.normal(0, 30, truth[0].shape), 0, 255).astype(np.uint8)
    assert ssim_map(noisy, truth[0]).mean() < 0.8
    hole = np.ones((32, 48), bool)
    steady, jumpy = CompletionScore(), CompletionScore()
    for frame in truth:
        steady.add(frame, frame, hole)
    jumpy.add(truth[0], truth[0], hole)
    jumpy.add(np.clip(truth[1].astype(int) + 40, 0, 255).astype(np.uint8), truth[1], hole)
    assert steady.summary()["flicker"] == 0 and jumpy.summary()["flicker"] > 20


def _tiny_case(count: int = 22) -> CompletionCase:
    truth = [background(i) for i in range(count)]
    masks = [box_mask(i) for i in range(count)]
    return CompletionCase("synthetic", truth, masks)


def test_every_method_scores_a_tiny_case_with_finite_numbers():
    from core.model import build_model

    torch.manual_seed(0)
    rows = evaluate_cases([_tiny_case()], build_model("tiny").eval())
    methods = {(r["task"], r["method"], r["keyframes"]) for r in rows}
    assert ("video", "network", "14 + flow") in methods and ("video", "flow fill", "all") in methods
    assert ("guided", "network+prealign", 4) in methods and ("guided", "flow warp", 2) in methods
    for row in rows:
        for key in ("psnr_hole", "ssim_hole", "psnr_frame", "ssim_frame"):
            assert math.isfinite(row[key]), (row["method"], key)
        assert row["note"] == ""
    flow = next(r for r in rows if r["method"] == "flow fill")
    telea = next(r for r in rows if r["task"] == "video" and r["method"] == "Telea")
    assert flow["psnr_hole"] > telea["psnr_hole"]  # the background is visible in other frames
    assert math.isfinite(flow["flicker"])
    table = removal_table_markdown(rows)
    assert "| synthetic | flow fill |" in table and "Guided inpainting" in table


def test_without_a_checkpoint_the_network_rows_say_so():
    rows = evaluate_cases([_tiny_case()], None, guided=False)
    network = [r for r in rows if r["method"].startswith("network")]
    assert network and all(r["note"] == "no checkpoint" for r in network)
    assert "no checkpoint" in removal_table_markdown(rows)
    assert all(math.isfinite(r["psnr_hole"]) for r in rows if not r["method"].startswith("network"))


def test_write_docs_touches_only_the_removal_tables(tmp_path):
    from core.cli.eval_command import write_removal_section

    doc = tmp_path / "quality.md"
    doc.write_text("# Quality\n\n## Removal\n\nHow we measure.\n\n## Rotoscoping\n\nTheir table.\n")
    write_removal_section(doc, "| a | b |\n")
    write_removal_section(doc, "| c | d |\n")
    text = doc.read_text()
    assert "| c | d |" in text and "| a | b |" not in text
    assert "How we measure." in text and text.endswith("## Rotoscoping\n\nTheir table.\n")
    assert text.index("| c | d |") < text.index("## Rotoscoping")
    fresh = tmp_path / "new.md"
    write_removal_section(fresh, "| e |\n")
    assert "## Removal" in fresh.read_text() and "| e |" in fresh.read_text()


def test_an_untrained_residual_network_scores_as_the_flow_fill_at_its_anchors():
    """The network corrects the flow fill (issue 13): untrained, it returns the flow fill, so the
    frames it renders itself score exactly as the flow fill does; one network row, no '+prealign'."""
    from core.model import build_model
    from core.render.network_renderer import NetworkRenderer
    from core.render.removal_inputs import RemovalInputs
    from core.fill import FlowFill

    case = _tiny_case()
    hidden = case.hidden_frames()
    project = case.project()
    inputs = RemovalInputs(project, hidden.__getitem__)
    network = NetworkRenderer(project, hidden.__getitem__, build_model("tiny_residual").eval(), inputs=inputs)
    fill = FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow)
    for t in (0, 10, 20):
        alpha = inputs.alpha(t)  # the renderer feathers the hole's outer edge; the flow fill does not
        hard = (alpha == 0) | (alpha >= 1)
        assert np.array_equal(network.render_frame(t)[hard], fill.fill_frame(t)[hard])
    rows = evaluate_cases([case], build_model("tiny_residual").eval(), guided=False)
    assert [r["method"] for r in rows if r["method"].startswith("network")] == ["network"]


def test_the_finetuning_row_tunes_the_network_on_the_clip_and_scores_it(tmp_path, monkeypatch):
    from core.eval import finetune_row
    from core.model import build_model, save_checkpoint
    from core.render.model_finder import load_removal_model

    monkeypatch.setattr(finetune_row, "STEPS", 2)
    path = save_checkpoint(tmp_path / "residual.pt", build_model("tiny_residual"))
    model = load_removal_model(path, device="cpu")
    rows = evaluate_cases([_tiny_case()], model, guided=False, finetune=True)
    tuned = [r for r in rows if r["method"] == finetune_row.FINETUNE_METHOD]
    assert len(tuned) == 1 and math.isfinite(tuned[0]["psnr_hole"]) and tuned[0]["frames"] == 22
    assert tuned[0]["checkpoint"] == str(path) and tuned[0]["seconds"] > 0
    assert finetune_row.FINETUNE_METHOD in removal_table_markdown(rows)
    # a model that fills from keyframes alone has no fine-tuning row
    assert not any(r["method"] == finetune_row.FINETUNE_METHOD
                   for r in evaluate_cases([_tiny_case()], build_model("tiny").eval(), guided=False, finetune=True))
