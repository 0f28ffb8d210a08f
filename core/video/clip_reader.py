"""Random and sequential access to the frames of a clip, with a byte-bounded cache.

``open_clip`` probes the clip and picks the source: a PyAV decoder for video files (seek to the
keyframe, decode forward), or one image file per frame for folders. Frames are decoded on
demand; nothing holds the whole clip in memory.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterator, Protocol

import cv2
import numpy as np

from core.errors import VideoError
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.video.clip_info import DEFAULT_SEQUENCE_FRAME_RATE, ClipInfo, probe
from core.video.frame_cache import FrameCache
from core.video.image_sequence import ImageSequenceSource
from core.video.video_decoder import Keep, VideoDecoder

DEFAULT_CACHE_BYTES = 512 * 2**20


class FrameSource(Protocol):
    def read(self, index: int, keep: Keep | None = None) -> np.ndarray: ...
    def close(self) -> None: ...


def open_clip(path, cache_bytes: int = DEFAULT_CACHE_BYTES, *,
              sequence_frame_rate: Fraction = DEFAULT_SEQUENCE_FRAME_RATE) -> ClipReader:
    """Open a video file or an image folder for reading.

    ``cache_bytes`` bounds the decoded frames kept for reuse (0 disables the cache);
    ``sequence_frame_rate`` applies to image folders. Raises :class:`VideoError` as ``probe``.
    """
    info = probe(path, sequence_frame_rate=sequence_frame_rate)
    if info.is_image_sequence:
        source = ImageSequenceSource(info.path, info.width, info.height, info.frame_count)
    else:
        source = VideoDecoder(info)
    return ClipReader(info, source, FrameCache(cache_bytes))


class ClipReader:
    """Frames of one clip by index. Not thread-safe: open one reader per thread.

    Returned frames are ``(H, W, 3)`` uint8 RGB, upright, and **read-only** (they are shared
    with the cache): copy one before drawing on it.
    """

    def __init__(self, info: ClipInfo, source: FrameSource, cache: FrameCache) -> None:
        self.info = info
        self._source = source
        self._cache = cache

    def __len__(self) -> int:
        return self.info.frame_count

    def __enter__(self) -> ClipReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (0-based). Raises :class:`VideoError` outside ``0..len-1``."""
        index = self._check_index(index)
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        if self._source is None:
            raise VideoError(f"'{self.info.path.name}' was closed; open the clip again to read it.")
        frame = self._source.read(index, self._cache.put if self._cache.max_bytes else None)
        frame.flags.writeable = False  # as cached frames are: one behaviour with or without a cache
        return frame

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Frames ``start..stop-1`` in order (``stop`` defaults to the end of the clip).

        Decoding runs forward without seeking, and each frame is exactly what :meth:`frame`
        returns for its index.
        """
        stop = len(self) if stop is None else stop
        if start < stop:
            self._check_index(start)
            self._check_index(stop - 1)
        for index in range(start, stop):
            yield self.frame(index)

    def thumbnails(self, count: int, height: int = 48, *, progress: ProgressFn = no_progress,
                   cancel: CancelToken = NEVER_CANCELLED) -> list[np.ndarray]:
        """``count`` frames evenly spaced from first to last, each ``(height, W', 3)`` uint8 RGB.

        ``W'`` keeps the clip's aspect ratio. A clip shorter than ``count`` repeats frames, so
        a timeline strip always gets the number it asked for.
        """
        if count <= 0:
            return []
        width = max(1, round(self.info.width * height / self.info.height))
        indices = np.linspace(0, len(self) - 1, count).round().astype(int)
        thumbnails = []
        for done, index in enumerate(indices):
            cancel.raise_if_cancelled()
            thumbnails.append(cv2.resize(self.frame(int(index)), (width, height),
                                         interpolation=cv2.INTER_AREA))
            progress(done + 1, count, "Making thumbnails")
        return thumbnails

    def close(self) -> None:
        """Release the file and the cached frames. Safe to call twice."""
        if self._source is not None:
            self._source.close()
            self._source = None
        self._cache.clear()

    def _check_index(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"frame index must be an int, got {type(index).__name__}")
        index = int(index)
        if not 0 <= index < len(self):
            raise VideoError(
                f"Frame {index} is outside the clip (0..{len(self) - 1}); choose a frame in that "
                "range.")
        return index
