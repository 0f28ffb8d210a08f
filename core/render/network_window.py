"""The part of the working frame the removal network reads for one target: a window around the hole.

The ``residual_rgb`` network corrects the flow fill inside the hole. It was trained on crops of
192 pixels around holes (:mod:`core.train.prealign_samples`), and its time grows with the pixels
it reads, so the renderer runs it on a window instead of the whole frame: the hole's bounding box,
grown to take in where the flows carry the hole into each keyframe (what the deformable write
pulls), plus a small margin, its corners on the network's stride. A window that would cover most
of the frame is the whole frame.

Chosen on six training sequences (docs/quality.md, "Stop 23"): the less context beyond the hole
and its keyframe positions, the better the correction, down to a 16 px margin (whole frame 19.93
dB in the hole, margin 48 px and at least 192 px 20.01, margin 16 px and at least 128 px 20.10;
without the keyframe positions 20.07).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

WINDOW_MARGIN_PX = 16  # context around the hole and its keyframe positions (working pixels)
WINDOW_MIN_PX = 128  # a window at least this wide and high (smaller: the same scores)
WINDOW_ALIGN_PX = 8  # the network's stride: a window on it sees the same grid as the whole frame
WHOLE_FRAME_SHARE = 0.8  # a window over this share of the frame's pixels is the whole frame

Window = tuple[slice, slice]


def network_window(hole: np.ndarray, flows: Sequence[np.ndarray], *, margin: int = WINDOW_MARGIN_PX,
                   minimum: int = WINDOW_MIN_PX, align: int = WINDOW_ALIGN_PX) -> Window | None:
    """``(rows, columns)`` slices of the working frame the network reads, or None for the whole frame.

    hole: ``(h, w)`` bool; flows: ``(h, w, 2)`` float32 target -> keyframe flows in working pixels.
    """
    height, width = hole.shape
    ys, xs = np.nonzero(hole)
    if not len(ys):
        return None
    top, bottom, left, right = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    for flow in flows:
        carried = flow[ys, xs]
        left = min(left, int(np.floor((xs + carried[:, 0]).min())))
        right = max(right, int(np.ceil((xs + carried[:, 0]).max())) + 1)
        top = min(top, int(np.floor((ys + carried[:, 1]).min())))
        bottom = max(bottom, int(np.ceil((ys + carried[:, 1]).max())) + 1)
    rows = _span(top - margin, bottom + margin, height, minimum, align)
    columns = _span(left - margin, right + margin, width, minimum, align)
    if (rows.stop - rows.start) * (columns.stop - columns.start) > WHOLE_FRAME_SHARE * height * width:
        return None
    return rows, columns


def _span(start: int, stop: int, length: int, minimum: int, align: int) -> slice:
    """A slice of ``[0, length)`` that holds ``[start, stop)``: at least ``minimum`` long (widened
    about its centre), starting on ``align`` and a multiple of it long unless it meets the end."""
    size = max(stop - start, minimum)
    low = max(0, (start + stop - size) // 2 // align * align)  # aligned down: it only grows
    high = low + -(-max(size, stop - low) // align) * align
    if high >= length:
        high = length
        low = max(0, min(low, (length - size) // align * align))
    return slice(int(low), int(high))
