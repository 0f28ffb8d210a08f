"""Reconstruction losses that need no downloaded weights.

The network composites known pixels back (``composite``), so on its *output* only the hole can be
wrong. The terms:

- **hole L1**: mean absolute error over hidden pixels, the main term (weighted most);
- **known L1**: on the decoder's raw prediction (before compositing) over known pixels: it keeps
  the prediction continuous across the hole's border, where the composite switches source;
- **SSIM**: 1 - SSIM (7x7 Gaussian windows) around the hole, for structure and contrast, which
  L1 alone blurs;
- **gradient**: L1 between image gradients around the hole, for sharp edges.
- **hole L2**: mean squared error over hidden pixels: what PSNR measures. The removal model
  that corrects the flow fill trains on it alone (``PSNR_WEIGHTS``): where the carried pixels
  are uncertain, the mean of what they could be scores best, and L1, SSIM and gradient terms
  pull towards sharp guesses that score worse (issue 13, docs/training.md).

LaMa's perceptual and adversarial losses are left out: the perceptual loss needs downloaded
weights and the discriminator doubles the cost of a step (see docs/training.md).

Every term counts only pixels whose truth is known (``weight`` 1): when fine-tuning on a user's
clip, pixels under the object are never compared with anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

SSIM_WINDOW = 7
SSIM_SIGMA = 1.5
_C1, _C2 = 0.01**2, 0.03**2


@dataclass(frozen=True)
class LossWeights:
    hole_l1: float = 1.0
    known_l1: float = 0.2
    ssim: float = 0.2
    gradient: float = 0.5
    hole_l2: float = 0.0


# The removal model on top of the flow fill (ModelConfig.cpu): squared error in the hole, and a
# little L1 on the known pixels to keep the correction at zero there.
PSNR_WEIGHTS = LossWeights(hole_l1=0.0, known_l1=0.2, ssim=0.0, gradient=0.0, hole_l2=10.0)


def default_weights(output: str) -> LossWeights:
    """The loss a model with ``ModelConfig.output`` ``output`` trains on by default."""
    return PSNR_WEIGHTS if output == "residual_rgb" else LossWeights()


def inpainting_loss(output: torch.Tensor, raw: torch.Tensor, truth: torch.Tensor,
                    hole: torch.Tensor, weight: torch.Tensor,
                    weights: LossWeights = LossWeights()) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``(total, {term: value})`` for one batch, all float32 scalars.

    ``output``: the network's composited RGB ``(B, 3, H, W)``; ``raw``: the decoder's prediction
    before compositing, same shape; ``truth``: the clean target; ``hole``: ``(B, 1, H, W)`` 1 =
    hidden; ``weight``: ``(B, 1, H, W)`` 1 where the truth is known.
    """
    output, raw, truth = output.float(), raw.float(), truth.float()
    in_hole = hole * weight
    near_hole = _grown(hole, SSIM_WINDOW // 2 + 1) * weight  # where output differs from input
    terms = {
        "hole_l1": _masked_mean((output - truth).abs(), in_hole),
        "known_l1": _masked_mean((raw - truth).abs(), (1 - hole) * weight),
        "ssim": _masked_mean(1 - ssim_map(output, truth), near_hole),
        "gradient": gradient_loss(output, truth, near_hole),
        "hole_l2": _masked_mean((output - truth) ** 2, in_hole),
    }
    total = sum(getattr(weights, name) * value for name, value in terms.items())
    return total, terms


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-pixel SSIM ``(B, C, H, W)`` of images in 0..1 (Gaussian window, reflected borders)."""
    channels = x.shape[1]
    kernel = _gaussian_kernel(SSIM_WINDOW, SSIM_SIGMA, x.device, x.dtype).repeat(channels, 1, 1, 1)

    def blur(z: torch.Tensor) -> torch.Tensor:
        pad = SSIM_WINDOW // 2
        return F.conv2d(F.pad(z, (pad,) * 4, mode="reflect"), kernel, groups=channels)

    mx, my = blur(x), blur(y)
    vx = blur(x * x) - mx * mx
    vy = blur(y * y) - my * my
    cov = blur(x * y) - mx * my
    return ((2 * mx * my + _C1) * (2 * cov + _C2)) / ((mx * mx + my * my + _C1) * (vx + vy + _C2))


def gradient_loss(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean L1 between horizontal and vertical differences of ``x`` and ``y`` where ``mask``."""
    dx = ((x[..., :, 1:] - x[..., :, :-1]) - (y[..., :, 1:] - y[..., :, :-1])).abs()
    dy = ((x[..., 1:, :] - x[..., :-1, :]) - (y[..., 1:, :] - y[..., :-1, :])).abs()
    return 0.5 * (_masked_mean(dx, mask[..., :, 1:]) + _masked_mean(dy, mask[..., 1:, :]))


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values (B, C, H, W)`` over pixels where ``mask (B, 1, H, W)`` (0 if none)."""
    total = (values * mask).sum()
    count = mask.sum() * values.shape[1]
    return total / count.clamp_min(1.0)


def _grown(mask: torch.Tensor, radius: int) -> torch.Tensor:
    return F.max_pool2d(mask, 2 * radius + 1, stride=1, padding=radius)


def _gaussian_kernel(size: int, sigma: float, device, dtype) -> torch.Tensor:
    coords = torch.arange(size, device=device, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-coords**2 / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]
