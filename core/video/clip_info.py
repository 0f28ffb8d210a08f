"""What a clip is: size, exact frame rate, frame count, rotation, audio. Read with PyAV.

``probe`` opens the container, reads the first video stream's parameters and decodes one frame,
so a file that opens but cannot be decoded is refused here rather than halfway through a job.
A folder is read as an image sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

try:
    import av
    import av.error
except ImportError:  # a bare machine (a lent GPU box) without PyAV: image sequences still read
    av = None

from core.errors import VideoError
from core.video.image_sequence import check_same_size, describe_image, list_image_files

DEFAULT_SEQUENCE_FRAME_RATE = Fraction(24)
"""Image sequences carry no frame rate; this is assumed unless the caller says otherwise."""


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio stream of a video file. ``index`` is the stream's index in the container."""

    index: int
    codec: str
    sample_rate: int  # Hz
    channels: int
    duration: float | None  # seconds; None when the container does not say


@dataclass(frozen=True)
class ClipInfo:
    """A clip as the rest of Keyfill sees it.

    ``width`` x ``height`` is the display size, after rotation: frames from ``ClipReader`` are
    already upright and have this size. ``rotation`` is the clockwise angle the stored picture
    is turned by for display (0/90/180/270, as in the 'rotate' tag phones write); it is
    informative only, since nothing downstream needs to rotate again.
    """

    path: Path
    width: int
    height: int
    frame_rate: Fraction  # frames per second, exact (30000/1001, not 29.97)
    frame_count: int
    duration: float  # seconds
    pix_fmt: str  # as stored, e.g. "yuv420p"; "rgb24" or "gray" for images
    codec: str  # FFmpeg codec name, e.g. "h264"; "png" or "jpeg" for images
    rotation: int
    audio_streams: tuple[AudioStreamInfo, ...]
    is_image_sequence: bool


def probe(path, *, sequence_frame_rate: Fraction = DEFAULT_SEQUENCE_FRAME_RATE) -> ClipInfo:
    """Describe the video file or image folder at ``path``.

    ``sequence_frame_rate`` is used for image folders only. Raises :class:`VideoError` for a
    missing path, a file FFmpeg cannot decode, a clip without frames or mixed image sizes.
    """
    path = Path(path)
    if not path.exists():
        raise VideoError(f"'{path}' does not exist; check the path or choose another clip.")
    if path.is_dir():
        return _probe_image_sequence(path, Fraction(sequence_frame_rate))
    return _probe_video_file(path)


def open_video_container(path: Path) -> av.container.InputContainer:
    """Open ``path`` with PyAV, turning FFmpeg's refusal into a :class:`VideoError`."""
    if av is None:
        raise VideoError(f"'{path.name}' cannot be read: PyAV is not installed. Install it "
                         "(pip install av) or give an image folder instead of a video file.")
    try:
        return av.open(str(path), mode="r")
    except PermissionError as exc:
        raise VideoError(
            f"'{path}' cannot be read (permission denied); check its permissions.") from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise not_decodable(path, exc) from exc


def not_decodable(path: Path, exc: Exception | None = None) -> VideoError:
    """The error for a file FFmpeg cannot read as video."""
    reason = f" ({ffmpeg_reason(exc)})" if exc else ""
    return VideoError(
        f"'{path.name}' is not a video FFmpeg can decode{reason}; convert it to H.264 MP4 or "
        "choose an image folder.")


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's words for a failure, without the errno and file name PyAV adds around them."""
    return getattr(exc, "strerror", None) or str(exc)


def rotation_clockwise(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> int:
    """Clockwise display rotation, 0/90/180/270, from the display matrix or the 'rotate' tag."""
    # FFmpeg copies the stream's display matrix onto every decoded frame; its angle is
    # counter-clockwise, the old 'rotate' tag's is clockwise.
    counter_clockwise = frame.rotation or 0
    if counter_clockwise:
        return (-round(counter_clockwise / 90) * 90) % 360
    try:
        return (round(float(stream.metadata.get("rotate", 0)) / 90) * 90) % 360
    except ValueError:
        return 0


def _probe_video_file(path: Path) -> ClipInfo:
    with open_video_container(path) as container:
        if not container.streams.video:
            raise VideoError(
                f"'{path.name}' has no video stream; choose a video file or an image folder.")
        stream = container.streams.video[0]
        frame_rate = _frame_rate(stream, path)
        first_frame, packet_count, last_pts = _scan(container, stream, path,
                                                    count_packets=not stream.frames)
        if first_frame is None:
            raise VideoError(
                f"'{path.name}' has no decodable video frames; re-export it, convert it to "
                "H.264 MP4 or choose an image folder.")
        frame_count = stream.frames or packet_count
        if stream.frames:
            last_pts = _last_pts(container, stream)
        last_index = _index_of_pts(last_pts, first_frame.pts, stream.time_base, frame_rate)
        if last_index is not None and last_index >= 0:
            # Frames are numbered by timestamp (see video_decoder): with a variable frame rate the
            # last picture's index, not the number of pictures, says how many frames there are.
            frame_count = last_index + 1
        rotation = rotation_clockwise(first_frame, stream)
        width, height = first_frame.width, first_frame.height
        if rotation in (90, 270):
            width, height = height, width
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / av.time_base
        else:
            duration = float(frame_count / frame_rate)
        return ClipInfo(
            path=path, width=width, height=height, frame_rate=frame_rate,
            frame_count=frame_count, duration=duration,
            pix_fmt=stream.codec_context.pix_fmt or first_frame.format.name,
            codec=stream.codec_context.name, rotation=rotation,
            audio_streams=tuple(_audio_info(s) for s in container.streams.audio),
            is_image_sequence=False,
        )


def _scan(container, stream, path: Path, *,
          count_packets: bool) -> tuple[av.VideoFrame | None, int, int | None]:
    """Decode the first frame; with ``count_packets``, also count the stream's packets.

    Counting demuxes the whole file without decoding: cheap, and the only way to know the
    frame count of containers that do not store it (Matroska, MPEG-TS). Returns the first
    frame, the packet count and the latest packet timestamp seen.
    """
    first_frame, packets, last_pts = None, 0, None
    try:
        for packet in container.demux(stream):
            if packet.size:  # the flush packet at the end is empty
                packets += 1
                if packet.pts is not None and (last_pts is None or packet.pts > last_pts):
                    last_pts = packet.pts
            if first_frame is None:
                decoded = packet.decode()
                first_frame = decoded[0] if decoded else None
            if first_frame is not None and not count_packets:
                break
    except av.error.FFmpegError as exc:
        if first_frame is None:
            raise not_decodable(path, exc) from exc
        # A damaged tail: the frames before it are still usable; count what was read.
    return first_frame, packets, last_pts


def _last_pts(container, stream) -> int | None:
    """The latest timestamp of the stream's last GOP (containers with an index seek there)."""
    last = None
    try:
        container.seek(2**62, stream=stream, backward=True, any_frame=False)
        for packet in container.demux(stream):
            if packet.size and packet.pts is not None and (last is None or packet.pts > last):
                last = packet.pts
    except (av.error.FFmpegError, OverflowError):
        return None  # not seekable, or a damaged tail: keep the container's frame count
    return last


def _index_of_pts(pts: int | None, first_pts: int | None, time_base, frame_rate: Fraction) -> int | None:
    """The frame index of a timestamp, as ``VideoDecoder`` numbers pictures."""
    if pts is None or first_pts is None or not time_base:
        return None
    return round((pts - first_pts) * Fraction(time_base) * frame_rate)


def _frame_rate(stream, path: Path) -> Fraction:
    """The exact frame rate: the average rate, or the guessed one when they agree within 0.1%."""
    average, guessed = stream.average_rate, stream.guessed_rate
    if average and guessed and abs(average - guessed) <= guessed / 1000:
        return Fraction(guessed)  # usually the cleaner fraction (30000/1001, not 2997003/100000)
    if average:
        return Fraction(average)
    if guessed:
        return Fraction(guessed)
    raise VideoError(
        f"'{path.name}' does not state a frame rate; re-encode it at a constant frame rate.")


def _audio_info(stream) -> AudioStreamInfo:
    duration = None
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    context = stream.codec_context
    return AudioStreamInfo(index=stream.index, codec=context.name, sample_rate=context.sample_rate,
                           channels=context.channels, duration=duration)


def _probe_image_sequence(folder: Path, frame_rate: Fraction) -> ClipInfo:
    if frame_rate <= 0:
        raise ValueError(f"sequence_frame_rate must be positive, got {frame_rate}")
    files = list_image_files(folder)
    width, height, pix_fmt, codec = describe_image(files[0])
    check_same_size(files, width, height)
    return ClipInfo(
        path=folder, width=width, height=height, frame_rate=frame_rate,
        frame_count=len(files), duration=float(len(files) / frame_rate), pix_fmt=pix_fmt,
        codec=codec, rotation=0, audio_streams=(), is_image_sequence=True,
    )
