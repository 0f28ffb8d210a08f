"""Stand-ins and helpers shared by the export tests.

The writers only need a ``ClipInfo``-like object, so the tests build one here instead of depending
on ``core.video`` (and check results with PyAV directly).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

RUNNING_CAR = Path("/work/shared/data/running_car/running_car.mp4")
RUNNING_CAR_AUDIO_INDEX = 1


@dataclass(frozen=True)
class StandInAudioStream:
    index: int
    codec: str = "aac"


@dataclass(frozen=True)
class StandInClipInfo:
    """The attributes of ``core.video.ClipInfo`` that ``core.export`` reads."""

    path: Path
    width: int
    height: int
    frame_rate: Fraction
    frame_count: int
    audio_streams: tuple[StandInAudioStream, ...] = ()
    is_image_sequence: bool = False


def silent_clip_info(width=96, height=64, frame_count=48,
                     rate=Fraction(30000, 1001)) -> StandInClipInfo:
    return StandInClipInfo(Path("/nonexistent/source.mp4"), width, height, rate, frame_count)


def moving_gradient(width=96, height=64, count=48) -> list[np.ndarray]:
    """(H, W, 3) uint8 RGB frames: smooth colour ramps that brighten one level per frame."""
    y, x = np.mgrid[0:height, 0:width]
    frames = []
    for i in range(count):
        r = 20 + x * 180 // max(width - 1, 1) + i
        g = 20 + y * 180 // max(height - 1, 1) + i
        b = 60 + (x + y) * 100 // (width + height) + i
        frames.append(np.minimum(np.stack([r, g, b], axis=-1), 255).astype(np.uint8))
    return frames


def decode_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def running_car_frames(count: int) -> list[np.ndarray]:
    frames = []
    with av.open(str(RUNNING_CAR)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == count:
                break
    return frames


def audio_packets(path: Path, count: int) -> list[bytes]:
    """The first ``count`` non-empty packets of the first audio stream, as bytes."""
    with av.open(str(path)) as container:
        packets = []
        for packet in container.demux(container.streams.audio[0]):
            if packet.size:
                packets.append(bytes(packet))
            if len(packets) == count:
                break
        return packets


def entries(folder: Path) -> list[str]:
    """Everything in ``folder``, hidden temp files included."""
    return sorted(p.name for p in folder.iterdir())
