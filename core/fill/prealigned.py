"""What the flow fill hands the removal network ("+prealign"): its result, how far each hole
pixel can be trusted, and, when asked, every candidate colour it took the median of.

The median hides which frames disagreed and how: on training sequences the nearest candidate
alone is 0.35 dB closer to the truth in the hole than the median, and a per-pixel choice among
the candidates 2.4 dB (docs/training.md, "Stop 21"). A network that sees the
candidates can learn that choice; one that sees the median cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CANDIDATE_PLANES = 4  # per candidate: its RGB where found (0 elsewhere), and found (1) or not (0)


@dataclass(frozen=True)
class Prealigned:
    """One frame as the flow fill leaves it, for the network ("+prealign", full resolution).

    ``rgb``: ``(H, W, 3)`` uint8, the flow fill's result (the source outside ``hole``);
    ``hole``: ``(H, W)`` bool, the grown mask that was filled; ``confidence``: ``(H, W)`` float32
    0..1, 0 outside the hole and where no frame showed the background (Telea's pixels), higher
    where more source frames agree on the colour and the nearest of them is closer in time.

    With candidates (``FlowFill.prealign_frame(..., candidates=True)``): ``points`` ``(ys, xs)``
    the hole's pixels, ``candidates`` ``(n, K, 3)`` uint8 their source colours, nearest frames
    first, ``counts`` ``(n,)`` how many of the ``K`` were found (the rest are 0).
    """

    rgb: np.ndarray
    hole: np.ndarray
    confidence: np.ndarray
    points: tuple[np.ndarray, np.ndarray] | None = None
    candidates: np.ndarray | None = None
    counts: np.ndarray | None = None

    def candidate_planes(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """``(h, w, 4 K)`` float32 0..1 at ``size`` ``(w, h)`` (default: the frame's): for each
        candidate slot its RGB where found and 0 elsewhere, then whether it was found. On a
        smaller grid each cell averages the hole pixels that fall in it (area averaging of both
        the colour and the found plane, so a half-found cell reads half)."""
        if self.candidates is None or self.points is None or self.counts is None:
            raise ValueError("this prealign was made without its candidates "
                             "(FlowFill.prealign_frame(..., candidates=True))")
        height, width = self.hole.shape
        w, h = size if size is not None else (width, height)
        ys, xs = self.points
        k = self.candidates.shape[1]
        found = (np.arange(k)[None, :] < self.counts[:, None]).astype(np.float32)  # (n, K)
        values = np.concatenate([self.candidates.astype(np.float32) / 255 * found[..., None],
                                 found[..., None]], axis=2)  # (n, K, 4)
        if (w, h) == (width, height):
            planes = np.zeros((h, w, k, CANDIDATE_PLANES), np.float32)
            planes[ys, xs] = values
            return planes.reshape(h, w, k * CANDIDATE_PLANES)
        cell = (ys * h // height) * w + xs * w // width
        area = (height / h) * (width / w)  # frame pixels in one cell
        flat = values.reshape(len(cell), -1)
        planes = np.stack([np.bincount(cell, flat[:, c], minlength=h * w) for c in range(flat.shape[1])], axis=1)
        return (planes / area).astype(np.float32).reshape(h, w, k * CANDIDATE_PLANES)
