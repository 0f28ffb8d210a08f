"""Forward-backward consistency: how much a forward flow and its backward flow agree, 0..1.

For pixel ``p`` of frame ``a`` with forward flow ``f = fwd(p)`` (a→b) and the backward flow read
where it lands, ``b = bwd(p + f)`` (b→a, bilinear), a correct, unoccluded match returns home, so
the round-trip error ``e = |f + b|`` is small.

The choice: Sundaram, Brox and Keutzer's occlusion test (ECCV 2010), which flags ``p`` when

    |f + b|^2  >  0.01 (|f|^2 + |b|^2) + 0.5          (pixels^2)

— the allowance grows with the motion because long vectors are less precise. We soften it into

    consistency = 2 ** -(e^2 / (tolerance^2 * allowance))

so that ``consistency >= 0.5`` is exactly "passes the test" at ``tolerance = 1``; 1 means a perfect
round trip, and it decays smoothly (0.25 at twice the allowance, ...), which the fill can threshold
and a network can take as a confidence input (the paper's deformable write). Pixels whose forward
flow leaves frame ``b`` have no backward flow to compare with and get 0.
"""

from __future__ import annotations

import numpy as np

from core.flow.warp import lands_inside, warp

_RELATIVE_ALLOWANCE = 0.01  # of |f|^2 + |b|^2
_ABSOLUTE_ALLOWANCE = 0.5  # pixels^2


def forward_backward_consistency(fwd: np.ndarray, bwd: np.ndarray, *, tolerance: float = 1.0) -> np.ndarray:
    """Consistency of ``fwd`` (a→b, on a's grid) with ``bwd`` (b→a, on b's grid).

    fwd, bwd: ``(H, W, 2)`` float32 pixels (frames a and b may differ in size only if the
        flows do).
    tolerance: scales the allowed round-trip error; 2 allows twice the error of the standard test.
    Returns ``(H, W)`` float32 0..1 on a's grid; 0 where ``p + fwd(p)`` falls outside frame b.
    """
    if tolerance <= 0:
        raise ValueError(f"tolerance must be positive, got {tolerance}")
    bwd_at = warp(bwd, fwd, interpolation="linear")
    error_sq = np.sum((fwd + bwd_at) ** 2, axis=2)
    allowance = _RELATIVE_ALLOWANCE * (np.sum(fwd**2, axis=2) + np.sum(bwd_at**2, axis=2)) + _ABSOLUTE_ALLOWANCE
    consistency = np.exp2(-error_sq / (tolerance**2 * allowance)).astype(np.float32)
    consistency[~lands_inside(fwd, (bwd.shape[1], bwd.shape[0]))] = 0.0
    return consistency
