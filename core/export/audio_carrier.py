"""Carry the source clip's audio into an export, in step with the video being encoded.

Packets are copied as they are (no decoding, no generation loss) whenever the destination
container takes the codec. Only when it refuses (``pcm_u8`` into ``.mp4``, ``opus`` into ``.mov``)
is the stream decoded and re-encoded to AAC, which every container Keyfill writes accepts.

Timing: the export's frame 0 is the source's first video frame, so audio times are measured from
the source video stream's start. Audio is cut at the video's duration with packet granularity (an
AAC packet is 1024 samples, ~23 ms at 44.1 kHz): a packet that starts before the end is kept
whole, because a copied packet cannot be split. At the start, packets that end before the video
starts are dropped; the one ending exactly at it (AAC's priming packet, which the decoder needs to
warm up) and any straddling it are kept with negative times, which the muxer hides with an edit
list, as ``ffmpeg -c copy`` does.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import av


class AudioCarrier:
    """Muxes the audio streams ``stream_indices`` of ``source`` into ``out`` as the video advances.

    Create it before the first video packet is muxed (it adds the output streams), call
    :meth:`mux_until` after each video frame and :meth:`finish` at the end. ``say(message)``
    reports a stream that had to be re-encoded. Use as a context manager (closes the source).
    """

    def __init__(self, source: Path, stream_indices: Sequence[int],
                 out: av.container.OutputContainer, container_format: str,
                 say: Callable[[str], None]) -> None:
        self._source = av.open(str(source))
        self._out = out
        video_streams = self._source.streams.video
        self._video_start = _start_seconds(video_streams[0]) if video_streams else Fraction(0)
        self._tracks: dict[int, _CopiedTrack | _ReencodedTrack] = {}
        for index in stream_indices:
            in_stream = self._source.streams[index]
            if in_stream.type != "audio":
                continue
            if _container_accepts(container_format, in_stream):
                self._tracks[index] = _CopiedTrack(out, in_stream, self._video_start)
            else:
                say(f"Audio codec {in_stream.codec_context.name!r} cannot go into a "
                    f".{container_format} file as is; re-encoding it to AAC.")
                self._tracks[index] = _ReencodedTrack(out, in_stream, self._video_start)
        in_streams = [self._source.streams[i] for i in self._tracks]
        self._packets = self._source.demux(in_streams) if in_streams else iter(())
        self._pending: av.Packet | None = None
        self._exhausted = not in_streams

    def __enter__(self) -> AudioCarrier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._source.close()

    def mux_until(self, seconds: Fraction) -> None:
        """Mux every audio packet that starts before ``seconds`` (export time, from frame 0)."""
        while not self._exhausted:
            packet = self._pending if self._pending is not None else next(self._packets, None)
            self._pending = None
            if packet is None:
                self._exhausted = True
                return
            if packet.pts is None or packet.size == 0:  # the demuxer's end-of-stream markers
                continue
            start = packet.pts * packet.time_base - self._video_start
            if start >= seconds:
                self._pending = packet
                return
            if start + (packet.duration or 0) * packet.time_base >= 0:
                self._tracks[packet.stream.index].write(packet)

    def finish(self, duration: Fraction) -> None:
        """Mux what starts before ``duration`` seconds, drop the rest, flush any AAC encoder."""
        self.mux_until(duration)
        for track in self._tracks.values():
            track.flush()


class _CopiedTrack:
    """One audio stream copied packet by packet, only its timestamps shifted."""

    def __init__(self, out: av.container.OutputContainer, in_stream: av.stream.Stream,
                 video_start: Fraction) -> None:
        self._out = out
        self._stream = out.add_stream_from_template(in_stream)
        self._shift = round(video_start / in_stream.time_base)  # source ticks

    def write(self, packet: av.Packet) -> None:
        packet.pts -= self._shift
        if packet.dts is not None:
            packet.dts -= self._shift
        packet.stream = self._stream  # mux rescales from the packet's (source) time base
        self._out.mux(packet)

    def flush(self) -> None:
        pass


class _ReencodedTrack:
    """One audio stream decoded and re-encoded to AAC at the same rate and channel layout."""

    def __init__(self, out: av.container.OutputContainer, in_stream: av.stream.Stream,
                 video_start: Fraction) -> None:
        source = in_stream.codec_context
        self._out = out
        self._rate = source.sample_rate
        self._video_start = video_start
        self._stream = out.add_stream("aac", rate=self._rate, layout=source.layout.name)

    def write(self, packet: av.Packet) -> None:
        for frame in packet.decode():
            start = frame.pts * frame.time_base - self._video_start
            if start + Fraction(frame.samples, self._rate) <= 0:
                continue
            frame.pts = round(start * self._rate)
            frame.time_base = Fraction(1, self._rate)
            self._out.mux(self._stream.encode(frame))  # PyAV converts to fltp, 1024-sample frames

    def flush(self) -> None:
        self._out.mux(self._stream.encode(None))


def _container_accepts(container_format: str, in_stream: av.stream.Stream) -> bool:
    """Whether ``container_format`` takes ``in_stream``'s codec as is (tried on a scratch muxer)."""
    scratch = av.open(io.BytesIO(), "w", format=container_format)
    try:
        scratch.add_stream_from_template(in_stream)
        scratch.start_encoding()  # writes the header: where an unsupported codec tag is refused
        return True
    except (ValueError, av.FFmpegError):
        return False
    finally:
        try:
            scratch.close()
        except (ValueError, av.FFmpegError):
            pass


def _start_seconds(stream: av.stream.Stream) -> Fraction:
    if stream.start_time is None:
        return Fraction(0)
    return stream.start_time * stream.time_base
