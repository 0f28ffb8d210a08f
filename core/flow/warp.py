"""Backward warping and chaining of flow fields (``cv2.remap``).

Everything follows the flow convention of ``docs/architecture.md``: a flow ``flow_ab`` lives on
frame ``a``'s grid and pixel ``p`` of ``a`` corresponds to ``p + flow_ab(p)`` in frame ``b``.
"""

from __future__ import annotations

import cv2
import numpy as np

_INTERPOLATIONS = {"linear": cv2.INTER_LINEAR, "nearest": cv2.INTER_NEAREST}
_REMAP_MAX_CHANNELS = 4
_SCATTER_COLUMNS = 4096  # cv2.remap maps must stay under 32767 pixels wide


def warp(
    image: np.ndarray, flow: np.ndarray, *, interpolation: str = "linear", fill_value: float = 0
) -> np.ndarray:
    """Pull ``image`` through ``flow``: ``output(p) = image(p + flow(p))``.

    image: ``(H, W)`` or ``(H, W, C)``, uint8 or float32 (frames, masks, flows, consistency maps),
        on the grid of the frame the flow points *to*.
    flow: ``(H, W, 2)`` float32 pixels on the output grid (may differ in size from ``image``).
    interpolation: ``"linear"`` (bilinear) or ``"nearest"`` (use it for masks).
    fill_value: value read for positions outside ``image`` (constant border).
    Returns an array of ``image``'s dtype and channel count on ``flow``'s grid.
    """
    map_x, map_y = sample_positions(flow)
    return _remap(image, map_x, map_y, interpolation, fill_value)


def sample_at(
    image: np.ndarray, x: np.ndarray, y: np.ndarray, *, interpolation: str = "linear", fill_value: float = 0
) -> np.ndarray:
    """Values of ``image`` at ``n`` scattered positions ``(x[i], y[i])`` (pixels, float).

    image: ``(H, W)`` or ``(H, W, C)``, uint8 or float32. Returns ``(n,)`` or ``(n, C)`` of its dtype;
    positions outside the image read ``fill_value``. Cheaper than :func:`warp` when only a few
    pixels of a frame are needed (the pixels of a hole).
    """
    count = x.size
    if count == 0:
        return np.zeros((0,) + image.shape[2:], image.dtype)
    columns = max(1, min(count, _SCATTER_COLUMNS))
    rows = -(-count // columns)
    padding = rows * columns - count
    map_x = np.pad(x.astype(np.float32, copy=False), (0, padding)).reshape(rows, columns)
    map_y = np.pad(y.astype(np.float32, copy=False), (0, padding)).reshape(rows, columns)
    values = _remap(image, map_x, map_y, interpolation, fill_value)
    return values.reshape((rows * columns,) + image.shape[2:])[:count]


def _remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, interpolation: str, fill_value: float) -> np.ndarray:
    """``cv2.remap`` with a constant border, for any channel count; keeps ``image``'s channel axis."""
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"interpolation must be 'linear' or 'nearest', not {interpolation!r}")

    def remap(part: np.ndarray) -> np.ndarray:
        return cv2.remap(
            np.ascontiguousarray(part), map_x, map_y, _INTERPOLATIONS[interpolation],
            borderMode=cv2.BORDER_CONSTANT, borderValue=(fill_value,) * 4,
        )

    if image.ndim == 2:
        return remap(image)
    channels = image.shape[2]
    if channels <= _REMAP_MAX_CHANNELS:
        return remap(image).reshape(map_x.shape + (channels,))  # remap drops a trailing axis of size 1
    parts = [remap(image[..., i : i + _REMAP_MAX_CHANNELS]) for i in range(0, channels, _REMAP_MAX_CHANNELS)]
    return np.dstack(parts)


def follow_working_flow(
    points: np.ndarray, working_flow: np.ndarray, working_consistency: np.ndarray, frame_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Where full-resolution ``points`` land along a flow kept on a smaller working grid.

    points: ``(n, 2)`` float32 ``(x, y)`` pixels of a ``frame_size = (width, height)`` frame.
    working_flow ``(h, w, 2)`` (working-grid pixels) and working_consistency ``(h, w)`` 0..1 live
    on the working grid; points map onto it with pixel centres aligned (as ``cv2.resize`` does)
    and the vectors are scaled back to full-resolution pixels.
    Returns ``(positions (n, 2), consistency (n,))``; points off the working grid read 0.
    """
    width, height = frame_size
    working_height, working_width = working_flow.shape[:2]
    scale = np.array([working_width / width, working_height / height], np.float32)
    on_grid = (points + 0.5) * scale - 0.5
    vectors = sample_at(working_flow, on_grid[:, 0], on_grid[:, 1]) / scale
    consistency = sample_at(working_consistency, on_grid[:, 0], on_grid[:, 1], fill_value=0)
    return points + vectors, consistency


def compose_flow(flow_ab: np.ndarray, flow_bc: np.ndarray) -> np.ndarray:
    """Chain two flows: ``flow_ac(p) = flow_ab(p) + flow_bc(p + flow_ab(p))``.

    flow_ab on ``a``'s grid, flow_bc on ``b``'s grid, both ``(H, W, 2)`` float32 pixels.
    Where ``p + flow_ab(p)`` leaves frame ``b`` the nearest border value of ``flow_bc`` is used;
    callers that care test those positions with :func:`lands_inside`.
    """
    map_x, map_y = sample_positions(flow_ab)
    flow_bc_at = cv2.remap(flow_bc, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return flow_ab + flow_bc_at


def lands_inside(flow: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """``(H, W)`` bool: ``p + flow(p)`` falls inside the target frame of ``size = (width, height)``.

    ``size`` defaults to the flow's own grid. "Inside" means within the pixel centres
    ``[0, width - 1] x [0, height - 1]``, where bilinear sampling needs no border value.
    """
    height, width = flow.shape[:2]
    target_width, target_height = size if size is not None else (width, height)
    map_x, map_y = sample_positions(flow)
    return (map_x >= 0) & (map_x <= target_width - 1) & (map_y >= 0) & (map_y <= target_height - 1)


def sample_positions(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The absolute positions ``p + flow(p)`` as two ``(H, W)`` float32 maps (x, y) for ``cv2.remap``."""
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"flow must be (H, W, 2), got {flow.shape}")
    height, width = flow.shape[:2]
    grid_x = np.arange(width, dtype=np.float32)[None, :]
    grid_y = np.arange(height, dtype=np.float32)[:, None]
    return (grid_x + flow[..., 0]).astype(np.float32), (grid_y + flow[..., 1]).astype(np.float32)
