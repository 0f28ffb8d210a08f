"""A generated test clip for benchmarks: moving shapes over a textured background, H.264."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress


def write_synthetic_clip(
    path: Path, *, width: int = 1920, height: int = 1080, frames: int = 1000, fps: int = 25,
    gop: int = 50, progress: ProgressFn = no_progress, cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    """Encode ``frames`` frames of a moving pattern (fast preset: the point is decoding it later)."""
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    background = np.kron(texture, np.ones((8, 8, 1), np.uint8))[:height, :width]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23", "g": str(gop)}
        for i in range(frames):
            cancel.raise_if_cancelled()
            image = np.roll(background, (i * 3) % width, axis=1).copy()
            x = (i * 7) % (width - 200)
            image[height // 3 : height // 3 + 200, x : x + 200] = (255 - (i % 255), 40, i % 255)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
            progress(i + 1, frames, "encoding the benchmark clip")
        for packet in stream.encode():
            container.mux(packet)
    return path
