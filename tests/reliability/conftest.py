"""Fixtures for the reliability tests: small generated clips, written with PyAV in a few ms."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def numbered_frame(index: int, width: int = 64, height: int = 48) -> np.ndarray:
    """``(height, width, 3)`` RGB whose grey level names the frame (index * 5, up to 51 frames)."""
    return np.full((height, width, 3), index * 5, np.uint8)


def frame_number(frame: np.ndarray) -> int:
    return int(round(float(frame[4:-4, 4:-4].mean()) / 5))


def write_clip(path: Path, pts_ms: list[int], *, width: int = 64, height: int = 48,
               fmt: str | None = None, rotation: int | None = None, metadata: dict | None = None) -> Path:
    """H.264 frames ``numbered_frame(i)`` shown at ``pts_ms[i]`` milliseconds (any spacing)."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream("libx264", rate=25, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for key, value in (metadata or {}).items():
            stream.metadata[key] = value
        for index, pts in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(numbered_frame(index, width, height), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decoded(path: Path) -> tuple[list[np.ndarray], float, Fraction]:
    """Every frame of ``path`` as RGB, the video stream's duration in seconds and its rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        duration = float(stream.duration * stream.time_base) if stream.duration else float(container.duration / av.time_base)
        return frames, duration, Fraction(stream.average_rate)
