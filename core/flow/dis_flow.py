"""Dense optical flow with OpenCV's DIS (Dense Inverse Search), the classical flow of Keyfill.

DIS is computed on grey frames at a *working resolution* (at most ``working_width`` pixels wide):
it is fast, and finer detail than that does not make the flow better for propagation. The flow is
then resized to the frame's grid and its vectors rescaled to full-resolution pixels.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

_local = threading.local()  # one DIS object per thread: OpenCV algorithms are not thread-safe
_SPARE_CORES = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1) - 1
_spare = threading.BoundedSemaphore(max(1, _SPARE_CORES))
_other_direction = ThreadPoolExecutor(max(1, _SPARE_CORES), thread_name_prefix="dis-flow")
MIN_DIS_SIZE = 16  # pixels: OpenCV's DIS refuses smaller frames (it needs 12 and more in some shapes)


def compute_flow(src: np.ndarray, dst: np.ndarray, *, working_width: int | None = 480) -> np.ndarray:
    """Flow from ``src`` to ``dst``: pixel ``p`` of ``src`` is ``p + flow(p)`` in ``dst``.

    src, dst: ``(H, W, 3)`` uint8 RGB (or ``(H, W)`` grey) frames of the same size.
    working_width: DIS runs on frames downscaled to this width (pixels) when they are wider;
        ``None`` computes at full resolution.
    Returns ``(H, W, 2)`` float32 ``(dx, dy)`` in full-resolution pixels.
    """
    height, width = src.shape[:2]
    small = compute_working_flow(src, dst, working_size(width, height, working_width))
    return resize_flow(small, (width, height))


def compute_working_flow(src: np.ndarray, dst: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """DIS flow computed at ``size = (width, height)``, in pixels of that size: ``(h, w, 2)`` float32."""
    if src.shape != dst.shape:
        raise ValueError(f"frames differ in shape: {src.shape} vs {dst.shape}")
    src_grey = _grey_at(src, size)
    dst_grey = _grey_at(dst, size)
    height, width = src_grey.shape
    if min(width, height) < MIN_DIS_SIZE:
        # A tiny clip, or a thin one at a small working width: edges repeated to DIS's minimum on
        # the right and bottom leave every pixel where it was; the padding's flow is cut off.
        pad = dict(top=0, left=0, bottom=max(0, MIN_DIS_SIZE - height), right=max(0, MIN_DIS_SIZE - width),
                   borderType=cv2.BORDER_REPLICATE)
        # A DIS object of its own: one that has seen a tiny frame keeps pyramid settings that
        # change its flow on the next normal frame (a rotoscoping test failed after this one).
        tiny = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        flow = tiny.calc(cv2.copyMakeBorder(src_grey, **pad), cv2.copyMakeBorder(dst_grey, **pad), None)
        return np.ascontiguousarray(flow[:height, :width])
    return _dis().calc(src_grey, dst_grey, None)


def compute_both_ways(first: np.ndarray, second: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``(flow first -> second, flow second -> first)``, :func:`compute_working_flow` each. The
    second direction runs on a spare core at the same time when the machine has one free (DIS is
    mostly one thread; the preview's first frame waits on a dozen pairs), else after the first:
    the same flows either way."""
    if not _SPARE_CORES or not _spare.acquire(blocking=False):
        return compute_working_flow(first, second, size), compute_working_flow(second, first, size)
    try:
        backward = _other_direction.submit(compute_working_flow, second, first, size)
        forward = compute_working_flow(first, second, size)
        return forward, backward.result()
    finally:
        _spare.release()


def working_size(width: int, height: int, working_width: int | None) -> tuple[int, int]:
    """``(width, height)`` of the grid flow is computed on: downscaled to ``working_width`` if wider."""
    if working_width is None or width <= working_width:
        return width, height
    scale = working_width / width
    return working_width, max(1, round(height * scale))


def resize_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Flow ``(h, w, 2)`` resampled to ``size = (width, height)``, vectors rescaled to the new pixels."""
    height, width = flow.shape[:2]
    new_width, new_height = size
    if (width, height) == (new_width, new_height):
        return flow
    resized = cv2.resize(flow, (new_width, new_height), interpolation=cv2.INTER_LINEAR)
    resized[..., 0] *= new_width / width
    resized[..., 1] *= new_height / height
    return resized


def _grey_at(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if grey.dtype != np.uint8:
        raise ValueError(f"expected uint8 frames, got {grey.dtype}")
    if (grey.shape[1], grey.shape[0]) != size:
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(grey)


def _dis() -> cv2.DISOpticalFlow:
    dis = getattr(_local, "dis", None)
    if dis is None:
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        _local.dis = dis
    return dis
