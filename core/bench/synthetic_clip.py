"""A generated test clip for benchmarks: moving shapes over a textured background, H.264, with an
AAC tone as its audio (so that an export of it also carries audio)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

AUDIO_RATE = 44100
_AUDIO_CHUNK = 1024  # samples per frame given to the AAC encoder (its frame size)


def write_synthetic_clip(
    path: Path, *, width: int = 1920, height: int = 1080, frames: int = 1000, fps: int = 25,
    gop: int = 50, audio: bool = True, progress: ProgressFn = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
) -> Path:
    """Encode ``frames`` frames of a moving pattern (fast preset: the point is decoding it later).

    ``audio``: also a mono 44.1 kHz AAC sine tone as long as the video, interleaved with it.
    """
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    background = np.kron(texture, np.ones((8, 8, 1), np.uint8))[:height, :width]
    side = min(200, width // 4, height // 4)  # the moving square
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23", "g": str(gop)}
        tone = _Tone(container) if audio else None
        for i in range(frames):
            cancel.raise_if_cancelled()
            image = np.roll(background, (i * 3) % width, axis=1).copy()
            x = (i * 7) % (width - side)
            image[height // 3 : height // 3 + side, x : x + side] = (255 - (i % 255), 40, i % 255)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
            if tone is not None:
                tone.write_until(Fraction(i + 1, fps))
            progress(i + 1, frames, "encoding the benchmark clip")
        for packet in stream.encode():
            container.mux(packet)
        if tone is not None:
            tone.finish(Fraction(frames, fps))
    return path


class _Tone:
    """A 440 Hz sine encoded to AAC as the video advances (so the file is interleaved)."""

    def __init__(self, container: av.container.OutputContainer) -> None:
        self._container = container
        self._stream = container.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        self._stream.bit_rate = 64000
        self._written = 0  # samples

    def write_until(self, seconds: Fraction) -> None:
        end = int(seconds * AUDIO_RATE)
        while self._written + _AUDIO_CHUNK <= end:
            t = np.arange(self._written, self._written + _AUDIO_CHUNK) / AUDIO_RATE
            samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._written
            self._container.mux(self._stream.encode(frame))
            self._written += _AUDIO_CHUNK

    def finish(self, seconds: Fraction) -> None:
        self.write_until(seconds + Fraction(_AUDIO_CHUNK, AUDIO_RATE))  # cover the last frame
        self._container.mux(self._stream.encode(None))
