"""core.export audio: packets copied bit for bit, cut at the video's end, re-encoded if need be."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from core.errors import ExportError
from core.export import ExportSettings, export_clip
from tests.export_stand_ins import (
    RUNNING_CAR, RUNNING_CAR_AUDIO_INDEX, StandInAudioStream, StandInClipInfo, audio_packets,
    entries, moving_gradient, running_car_frames,
)

pytestmark = pytest.mark.skipif(not RUNNING_CAR.exists(), reason="test clip missing")


def running_car_info(frame_count: int, width=972, height=540) -> StandInClipInfo:
    return StandInClipInfo(RUNNING_CAR, width, height, Fraction(25), frame_count,
                           (StandInAudioStream(RUNNING_CAR_AUDIO_INDEX),))


def audio_duration(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return float(stream.duration * stream.time_base)


def test_first_50_frames_keep_the_source_audio_copied_bit_for_bit(tmp_path):
    dest = export_clip(running_car_frames(50), running_car_info(50), tmp_path / "cut.mp4")
    with av.open(str(dest)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert audio.codec_context.name == "aac"
        assert (audio.codec_context.sample_rate, audio.codec_context.channels) == (44100, 2)
        assert video.frames == 50 and video.average_rate == 25
    assert audio_duration(dest) == pytest.approx(2.0, abs=0.1)
    # The first packet is AAC's priming packet (negative time): kept, so decoding starts warm.
    assert audio_packets(dest, 6) == audio_packets(RUNNING_CAR, 6)


def test_audio_is_interleaved_with_the_video(tmp_path):
    info = running_car_info(50, 96, 54)
    dest = export_clip(moving_gradient(96, 54, 50), info, tmp_path / "small.mp4")
    with av.open(str(dest)) as container:
        kinds = "".join(p.stream.type[0] for p in container.demux() if p.size)
    assert kinds.count("v") == 50
    assert "a" * 30 not in kinds and "v" * 30 not in kinds  # no long runs of one stream


def test_full_length_audio_matches_the_source_duration(tmp_path):
    # Small frames with the source's audio: the audio path is what is tested, not the encoder.
    info = running_car_info(292, 96, 54)
    dest = export_clip(moving_gradient(96, 54, 292), info, tmp_path / "full.mov",
                       settings=ExportSettings(codec="prores"))
    assert abs(audio_duration(dest) - audio_duration(RUNNING_CAR)) < 0.05
    with av.open(str(dest)) as container:
        assert container.streams.video[0].frames == 292


def test_keep_audio_false_writes_no_audio(tmp_path):
    dest = export_clip(moving_gradient(96, 54, 10), running_car_info(10, 96, 54),
                       tmp_path / "mute.mp4", settings=ExportSettings(keep_audio=False))
    with av.open(str(dest)) as container:
        assert not container.streams.audio


def test_codec_the_container_refuses_is_reencoded_to_aac_and_said(tmp_path):
    source = tmp_path / "pcm_u8.mov"  # .mov takes 8-bit PCM, .mp4 does not
    write_clip_with_pcm_u8_audio(source, seconds=2)
    info = StandInClipInfo(source, 32, 32, Fraction(25), 25, (StandInAudioStream(1, "pcm_u8"),))
    messages = []
    dest = export_clip(moving_gradient(32, 32, 25), info, tmp_path / "out.mp4",
                       progress=lambda done, total, message: messages.append(message))
    assert any("pcm_u8" in m and "re-encoding it to AAC" in m for m in messages)
    with av.open(str(dest)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        samples = sum(f.samples for f in container.decode(audio=0))
    assert samples / 8000 == pytest.approx(1.0, abs=0.15)  # cut at 25 frames = 1 s


def test_missing_source_audio_raises_export_error(tmp_path):
    info = StandInClipInfo(tmp_path / "moved_away.mp4", 32, 32, Fraction(25), 3,
                           (StandInAudioStream(1),))
    with pytest.raises(ExportError, match="moved_away.mp4.*export without audio"):
        export_clip(moving_gradient(32, 32, 3), info, tmp_path / "out.mp4")
    assert entries(tmp_path) == []


def write_clip_with_pcm_u8_audio(path: Path, seconds: int) -> None:
    """A 32x32 25 fps clip with a mono 8 kHz ``pcm_u8`` tone."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=25)
        video.width = video.height = 32
        video.pix_fmt = "yuv420p"
        audio = out.add_stream("pcm_u8", rate=8000, layout="mono")
        for i, rgb in enumerate(moving_gradient(32, 32, 25 * seconds)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        tone = (128 + 60 * np.sin(np.arange(8000 * seconds) * 0.3)).astype(np.uint8)
        for start in range(0, tone.size, 800):
            frame = av.AudioFrame.from_ndarray(tone[None, start:start + 800], format="u8",
                                               layout="mono")
            frame.sample_rate = 8000
            frame.pts = start
            out.mux(audio.encode(frame))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))
