"""Frames of a video file by index: seek to the keyframe before the frame, decode forward.

Frame ``i`` is the picture shown at time ``i / frame_rate`` from the first picture; each decoded
picture gets its index from its timestamp::

    index = round((pts - first_pts) * time_base * frame_rate)

so the mapping does not depend on where decoding started. Three rules keep a frame bit-identical
whether it was reached by decoding from the start or by seeking:

- after a seek, pictures before the first keyframe are dropped: they may reference pictures
  from before the seek point (open GOPs) and would decode differently;
- a seek that lands after the wanted frame (demuxers search by decode time, B-frames reorder)
  is retried further back, down to decoding from the start of the file;
- indices only go up: a picture whose timestamp rounds to an index already produced is dropped,
  and a gap (variable frame rate) repeats the previous picture. Both paths do the same.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from core.errors import VideoError
from core.video.clip_info import ClipInfo, av, ffmpeg_reason, open_video_container

FORWARD_DECODE_LIMIT = 32
"""Frames ahead of the decoder that are reached by decoding on rather than seeking.

Within a GOP, decoding on is never slower than seeking back to the keyframe and decoding again,
and it makes scrubbing forward and playing back cheap.
"""

PASSED_PICTURES_BYTES = 128 * 2**20
"""Bound on the decoded pictures kept, not yet converted, from those passed on the way to a frame.

Converting a picture to RGB costs a third of decoding it, so the pictures passed within
``FORWARD_DECODE_LIMIT`` before the wanted one are kept as decoded (YUV, half the bytes of RGB)
and converted only if asked for: scrubbing back finds them, a preview that reads the frames just
around its own pays for none of the others (32 pictures at 1080p, 10 at 4K).
"""

Keep = Callable[[int, np.ndarray], np.ndarray]
"""``keep(index, picture) -> picture``: receives decoded RGB pictures (e.g. a cache's put)."""

Picture = tuple[int, "av.VideoFrame"]


class VideoDecoder:
    """Decodes the first video stream of ``info.path``. One decoder per thread."""

    def __init__(self, info: ClipInfo) -> None:
        self._info = info
        self._path = Path(info.path)
        self._quarter_turns_clockwise = info.rotation // 90
        self._container = None
        self._origin_pts: int | None = None
        self._pictures: Iterator[Picture] | None = None
        self._position: int | None = None  # index of the last picture produced, -1 at the start
        self._wanted = 0  # the frame being read, for error messages
        self._passed: OrderedDict[int, av.VideoFrame] = OrderedDict()  # oldest first
        self._passed_bytes = 0
        self._start_from_beginning()
        try:
            first = next(self._pictures, None)
        except BaseException:
            self.close()
            raise
        if first is None:
            self.close()
            raise VideoError(
                f"'{self._path.name}' has no decodable video frames; convert it to H.264 MP4 or "
                "choose an image folder.")
        self._pictures = itertools.chain([first], self._pictures)

    def read(self, index: int, keep: Keep | None = None) -> np.ndarray:
        """Frame ``index``, ``(H, W, 3)`` uint8 RGB, upright.

        ``keep`` (e.g. a cache's put) receives the frame; the returned array is what ``keep``
        returned. With a ``keep``, the pictures decoded on the way within ``FORWARD_DECODE_LIMIT``
        before the frame are kept unconverted (``PASSED_PICTURES_BYTES``) for the next reads.
        Raises :class:`VideoError` when the file is damaged or ends before ``index``.
        """
        self._wanted = index
        passed = self._passed.pop(index, None) if keep else None
        if passed is not None:
            self._passed_bytes -= _picture_bytes(passed)
            return keep(index, self._to_rgb(passed))
        position = self._position
        ahead = position is not None and position < index <= position + FORWARD_DECODE_LIMIT
        try:
            if not ahead:
                self._position_before(index)
            for picture_index, frame in self._pictures:
                self._position = picture_index
                if picture_index == index:
                    picture = self._to_rgb(frame)
                    return keep(index, picture) if keep else picture
                if keep and index - picture_index <= FORWARD_DECODE_LIMIT:
                    self._keep_passed(picture_index, frame)
        except BaseException:
            self._position = None  # the decoder state is unknown: seek next time
            raise
        last = self._position
        self._position = None
        raise VideoError(
            f"Frame {index} of '{self._path.name}' cannot be decoded: the video ends after frame "
            f"{last}, so the file is probably truncated; re-export or copy it again.")

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
        self._passed.clear()
        self._passed_bytes = 0
        self._pictures = None
        self._position = None

    def _keep_passed(self, index: int, frame: av.VideoFrame) -> None:
        if index in self._passed:
            return  # the same picture (every path decodes it the same)
        self._passed[index] = frame
        self._passed_bytes += _picture_bytes(frame)
        while self._passed_bytes > PASSED_PICTURES_BYTES:
            _, oldest = self._passed.popitem(last=False)
            self._passed_bytes -= _picture_bytes(oldest)

    # -- positioning --------------------------------------------------------------------------

    def _position_before(self, index: int) -> None:
        """Set up ``self._pictures`` so that it yields ``index`` after at most a GOP."""
        step = 0
        while True:
            target = index - step
            if target <= 0 or self._origin_pts is None:
                self._start_from_beginning()
                return
            try:
                self._container.seek(self._pts_of(target), stream=self._stream, backward=True,
                                     any_frame=False)
            except av.error.FFmpegError:
                self._start_from_beginning()  # not seekable (some raw streams): from the start
                return
            pictures = self._pictures_from(self._decoded_frames(), after_seek=True)
            first = next(pictures, None)
            if first is not None and first[0] <= index:
                self._pictures = itertools.chain([first], pictures)
                self._position = first[0] - 1
                return
            step = 2 * step or 1

    def _start_from_beginning(self) -> None:
        # Reopening is the one way to be exactly where a fresh sequential decode starts,
        # whatever the container's edit lists or negative timestamps.
        if self._container is not None:
            self._container.close()
        self._container = open_video_container(self._path)
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._time_base = Fraction(self._stream.time_base)
        self._pictures = self._pictures_from(self._decoded_frames(), after_seek=False)
        self._position = -1

    def _pts_of(self, index: int) -> int:
        return self._origin_pts + round(index / (self._info.frame_rate * self._time_base))

    # -- decoding -----------------------------------------------------------------------------

    def _decoded_frames(self) -> Iterator[av.VideoFrame]:
        try:
            for packet in self._container.demux(self._stream):
                yield from packet.decode()
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"Frame {self._wanted} of '{self._path.name}' cannot be decoded "
                f"({ffmpeg_reason(exc)}): the file is damaged; re-export it or convert it to "
                "H.264 MP4.") from exc

    def _pictures_from(self, frames: Iterator[av.VideoFrame], *,
                       after_seek: bool) -> Iterator[Picture]:
        """Number decoded frames by timestamp: consecutive ``(index, frame)``, gaps held."""
        previous: Picture | None = None
        for frame in frames:
            if after_seek and previous is None and not frame.key_frame:
                continue
            if previous is None and not after_seek and self._origin_pts is None:
                self._origin_pts = frame.pts  # the first picture of the file defines index 0
            index = self._index_of(frame.pts, previous, after_seek)
            if index is None or index < 0 or (previous is not None and index <= previous[0]):
                continue
            if previous is not None:
                for held in range(previous[0] + 1, index):
                    yield held, previous[1]
            previous = (index, frame)
            yield previous

    def _index_of(self, pts: int | None, previous: Picture | None, after_seek: bool) -> int | None:
        if pts is None or self._origin_pts is None:
            # No timestamp: only counting from a known neighbour (or the start) can place it.
            if previous is not None:
                return previous[0] + 1
            return None if after_seek else 0
        return round((pts - self._origin_pts) * self._time_base * self._info.frame_rate)

    def _to_rgb(self, frame: av.VideoFrame) -> np.ndarray:
        rgb = frame.to_ndarray(format="rgb24")
        if self._quarter_turns_clockwise:
            rgb = np.rot90(rgb, k=-self._quarter_turns_clockwise)  # rot90 turns counter-clockwise
        return np.ascontiguousarray(rgb)


def _picture_bytes(frame: av.VideoFrame) -> int:
    return sum(plane.buffer_size for plane in frame.planes)
