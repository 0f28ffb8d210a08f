import torch

from core.train.losses import LossWeights, inpainting_loss, ssim_map


def _batch():
    torch.manual_seed(0)
    truth = torch.rand(2, 3, 32, 32)
    hole = torch.zeros(2, 1, 32, 32)
    hole[:, :, 8:20, 8:20] = 1
    weight = torch.ones(2, 1, 32, 32)
    return truth, hole, weight


def test_perfect_prediction_costs_nothing():
    truth, hole, weight = _batch()
    total, terms = inpainting_loss(truth, truth, truth, hole, weight)
    assert total.item() < 1e-5 and all(v.item() < 1e-5 for v in terms.values())
    assert torch.allclose(ssim_map(truth, truth), torch.ones_like(truth), atol=1e-4)


def test_errors_in_the_hole_cost_more_than_in_the_known_area():
    truth, hole, weight = _batch()
    wrong_hole = truth + 0.2 * hole
    wrong_known = truth + 0.2 * (1 - hole)
    in_hole, _ = inpainting_loss(wrong_hole, truth, truth, hole, weight)
    # the composited output is right outside the hole; the raw prediction is not
    in_known, terms = inpainting_loss(truth, wrong_known, truth, hole, weight)
    assert terms["known_l1"].item() > 0.19 and terms["hole_l1"].item() == 0
    assert in_hole.item() > 3 * in_known.item()


def test_pixels_without_truth_never_count():
    truth, hole, weight = _batch()
    weight[:, :, 8:20, 8:14] = 0  # half of the hole has no truth (the object, fine-tuning)
    output = truth.clone()
    output[:, :, 8:20, 8:14] = 1 - truth[:, :, 8:20, 8:14]  # wildly wrong there
    total, terms = inpainting_loss(output, output, truth, hole, weight, LossWeights())
    assert terms["hole_l1"].item() < 1e-6
    output[:, :, 8:20, 14:20] += 0.3  # an error where truth is known does count
    _, terms = inpainting_loss(output, output, truth, hole, weight)
    assert terms["hole_l1"].item() > 0.1


def test_the_residual_model_trains_on_squared_error_in_the_hole():
    from core.train.losses import PSNR_WEIGHTS, default_weights

    truth, hole, weight = _batch()
    assert default_weights("residual_rgb") == PSNR_WEIGHTS and default_weights("rgb") == LossWeights()
    small, big = truth + 0.05 * hole, truth + 0.2 * hole
    _, small_terms = inpainting_loss(small, small, truth, hole, weight, PSNR_WEIGHTS)
    total, big_terms = inpainting_loss(big, big, truth, hole, weight, PSNR_WEIGHTS)
    assert abs(big_terms["hole_l2"].item() - 0.04) < 1e-4
    assert big_terms["hole_l2"].item() > 15 * small_terms["hole_l2"].item()  # squared, not linear
    assert abs(total.item() - 10 * 0.04) < 1e-3  # nothing but the squared error counts here
