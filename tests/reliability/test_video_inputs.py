"""Bad and unusual clips: refused with a one-line VideoError, or read and exported faithfully.

Already covered elsewhere (docs/reliability.md lists them): a missing path, a text file named
.mp4, an empty image folder (tests/video/test_video_reader.py), a truncated file (the same file's
``test_truncated_file_never_leaks_av_errors``), the display-matrix rotation phones write
(``test_rotated_clip_is_upright``) and a 53x31 export (tests/export/test_export.py).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest

from core.errors import VideoError
from core.export import ExportSettings, export_clip
from core.video import open_clip, probe
from tests.reliability.conftest import decoded, frame_number, write_clip


# -- refused, with a message that names the file and the fix -------------------------------------

def _empty_clip(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()  # a header and a video stream, but not one frame
    return path


@pytest.mark.parametrize("name", ["empty.mp4", "empty.mkv"])
def test_a_clip_with_zero_frames_is_refused(tmp_path, name):
    with pytest.raises(VideoError) as caught:
        open_clip(_empty_clip(tmp_path / name))
    message = str(caught.value)
    assert name in message and "\n" not in message
    assert "choose" in message  # the fix: another file, or convert it


def test_an_unsupported_codec_is_refused_naming_the_decoder(tmp_path):
    good = write_clip(tmp_path / "good.mkv", [0, 40, 80])
    # The same file with a codec id FFmpeg has no decoder for.
    data = good.read_bytes().replace(b"V_MPEG4/ISO/AVC", b"V_KEYFILL/NONE!")
    (tmp_path / "odd.mkv").write_bytes(data)
    with pytest.raises(VideoError, match=r"'odd.mkv' is not a video FFmpeg can decode \(Decoder not found\); "
                                         r"convert it to H.264 MP4"):
        probe(tmp_path / "odd.mkv")


def test_a_file_with_audio_only_is_refused(tmp_path):
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(VideoError, match="'voice.m4a' has no video stream; choose a video file"):
        open_clip(path)


@pytest.mark.parametrize("content", [b"", b"\x00" * 4096, b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 2000])
def test_bytes_that_are_not_a_video_are_refused(tmp_path, content):
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoError, match="clip.mp4"):
        open_clip(path)


# -- variable frame rate ----------------------------------------------------------------------------

# 25 fps for 20 frames, then 100 fps for 20 (a phone speeding up), then irregular gaps.
VFR_PTS = [i * 40 for i in range(20)] + [800 + i * 10 for i in range(20)] + [1000, 1070, 1090, 1200, 1240]


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_variable_frame_rate_every_index_reads_and_follows_the_timestamps(tmp_path, suffix):
    path = write_clip(tmp_path / f"vfr{suffix}", VFR_PTS)
    info = probe(path)
    with open_clip(path, cache_bytes=0) as reader:
        sequential = [frame_number(f) for f in reader.frames()]  # used to stop at a "truncated" error
        assert len(sequential) == info.frame_count
        # Frame i is the picture whose time rounds to i / frame_rate (the first, when two do);
        # between pictures the previous one is held.
        expected, held = [], 0
        for index in range(info.frame_count):
            on_time = [k for k, pts in enumerate(VFR_PTS) if round(Fraction(pts, 1000) * info.frame_rate) == index]
            held = on_time[0] if on_time else held
            expected.append(held)
        assert sequential == expected
        # so no picture is ever shown more than half a frame early, and time never runs backwards
        assert all(VFR_PTS[k] / 1000 <= (i + 0.5) / info.frame_rate for i, k in enumerate(sequential))
        assert sequential == sorted(sequential)
        # random access gives what sequential decoding gave
        for index in (0, info.frame_count - 1, info.frame_count // 2, 3):
            assert frame_number(reader.frame(index)) == sequential[index]
    # frame_count / frame_rate spans the clip: the last picture plus one frame
    assert abs(float(info.frame_count / info.frame_rate) - VFR_PTS[-1] / 1000) <= 2 / info.frame_rate


def test_variable_frame_rate_export_keeps_the_timing(tmp_path):
    path = write_clip(tmp_path / "vfr.mp4", VFR_PTS)
    with open_clip(path) as reader:
        out = export_clip(reader.frames(), reader.info, tmp_path / "out.mp4")
        info = reader.info
    frames, duration, rate = decoded(out)
    assert len(frames) == info.frame_count and rate == info.frame_rate
    source_span = VFR_PTS[-1] / 1000  # the last picture's time; the export ends one frame later
    assert source_span <= duration <= source_span + 2 / float(rate)
    assert [frame_number(f) for f in frames] == sorted(frame_number(f) for f in frames)


# -- rotated phone footage ------------------------------------------------------------------------

def test_rotated_phone_clip_is_read_and_exported_upright(tmp_path):
    # A phone stores the sensor's 64x48 picture and a display matrix saying "turn it".
    path = tmp_path / "phone.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.set_display_rotation(90)
        stored = np.zeros((48, 64, 3), np.uint8)
        stored[:16, :16] = 255  # a white mark in the stored picture's top-left corner
        for i in range(5):
            for packet in stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe(path)
    assert (info.width, info.height, info.rotation) == (48, 64, 270)
    with open_clip(path) as reader:
        upright = reader.frame(0)
        assert upright.shape == (64, 48, 3)
        assert upright[56, 8].min() > 200 and upright[8, 8].max() < 50  # the mark is bottom-left
        out = export_clip(reader.frames(), reader.info, tmp_path / "out.mp4")
    assert probe(out).rotation == 0  # the pixels are upright: no matrix to apply twice
    frames, _, _ = decoded(out)
    assert len(frames) == 5 and frames[0].shape == (64, 48, 3)
    assert np.abs(frames[0].astype(int) - upright).mean() < 4


# -- odd and extreme sizes ------------------------------------------------------------------------

def _stand_in(width: int, height: int, count: int) -> SimpleNamespace:
    return SimpleNamespace(path=Path("generated.mp4"), width=width, height=height, frame_rate=Fraction(25),
                           frame_count=count, audio_streams=(), is_image_sequence=False)


@pytest.mark.parametrize("width, height, count, pix_fmt", [
    (853, 480, 3, "yuv444p"),  # odd width: 4:2:0 cannot hold it, the size is kept exactly
    (16, 16, 3, "yuv420p"),
    (3840, 2160, 1, "yuv420p"),  # one 4K frame (bounded: about two seconds)
])
def test_odd_and_extreme_sizes_export_at_their_exact_size(tmp_path, width, height, count, pix_fmt):
    rng = np.random.default_rng(width)
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([xx * 255 // max(1, width - 1), yy * 255 // max(1, height - 1), (xx + yy) % 256], -1)
    frames = [np.clip(base + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8) for _ in range(count)]
    out = export_clip(frames, _stand_in(width, height, count), tmp_path / "out.mp4",
                      settings=ExportSettings(quality=12))
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == pix_fmt
    # and the exported file reads back through Keyfill at the same size
    with open_clip(out) as reader:
        assert (reader.info.width, reader.info.height, len(reader)) == (width, height, count)
        back = reader.frame(count - 1)
        assert back.shape == (height, width, 3)
        assert np.abs(back.astype(int) - frames[-1]).mean() < 8  # 4:2:0 at 16x16 blurs colour
