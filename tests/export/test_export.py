"""core.export video writing: size, exact rate, frame count, pixels, codecs, cancel, errors."""

from __future__ import annotations

import os
from fractions import Fraction

import av
import numpy as np
import pytest
from av.video.reformatter import ColorRange, Colorspace

from core.errors import Cancelled, ExportError
from core.export import ExportSettings, export_clip
from tests.cancelling import cancel_after
from tests.export_stand_ins import decode_rgb, entries, moving_gradient, silent_clip_info


def test_settings_reject_unknown_codec_naming_the_allowed_ones():
    with pytest.raises(ExportError, match="h264, prores"):
        ExportSettings(codec="vp9")


@pytest.mark.parametrize("quality", [-1, 52, 18.5, True])
def test_settings_reject_quality_outside_crf_range(quality):
    with pytest.raises(ExportError, match="0 \\(lossless\\)"):
        ExportSettings(quality=quality)


def test_prores_needs_a_mov_destination(tmp_path):
    with pytest.raises(ExportError, match=".mov"):
        export_clip(moving_gradient(count=2), silent_clip_info(frame_count=2), tmp_path / "out.mp4",
                    settings=ExportSettings(codec="prores"))
    assert entries(tmp_path) == []


def test_h264_keeps_size_exact_rate_and_frame_count(tmp_path):
    info = silent_clip_info(96, 64, 48, Fraction(30000, 1001))
    progress = []
    dest = export_clip(moving_gradient(96, 64, 48), info, tmp_path / "out.mp4",
                       progress=lambda done, total, message: progress.append((done, total)))
    assert dest == tmp_path / "out.mp4"
    with av.open(str(dest)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 96, 64)
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.average_rate == Fraction(30000, 1001)
        assert stream.frames == 48
        assert stream.codec_context.colorspace == Colorspace.ITU709
        assert stream.codec_context.color_range == ColorRange.MPEG
        assert not container.streams.audio
        decoded = sum(1 for _ in container.decode(stream))
    assert decoded == 48
    assert progress == [(i, 48) for i in range(1, 49)]
    assert entries(tmp_path) == ["out.mp4"]


def test_frames_larger_than_two_1080p_frames_are_encoded_with_a_shorter_lookahead(tmp_path, monkeypatch):
    import core.export.clip_writer as clip_writer

    info = silent_clip_info(96, 64, 4, Fraction(25))
    small = export_clip(moving_gradient(96, 64, 4), info, tmp_path / "small.mp4").read_bytes()
    monkeypatch.setattr(clip_writer, "LARGE_FRAME_PIXELS", 96 * 64 - 1)  # this clip counts as 4K
    large = export_clip(moving_gradient(96, 64, 4), info, tmp_path / "large.mp4").read_bytes()
    # x264 writes its settings into the stream
    assert b"rc_lookahead=40" in small
    assert f"rc_lookahead={clip_writer.LARGE_FRAME_LOOKAHEAD}".encode() in large


def test_lossless_h264_round_trips_pixels(tmp_path):
    """quality=0 is x264 qp 0 in yuv444p: the Y'CbCr planes come back bit for bit.

    The RGB -> BT.709 limited-range Y'CbCr -> RGB conversion itself rounds (8-bit TV range has
    fewer levels than RGB), so decoded RGB is asserted within 2 levels of the input, not equal.
    """
    frames = moving_gradient(96, 64, 6)
    frames[3] = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)  # noise too
    dest = export_clip(frames, silent_clip_info(frame_count=6), tmp_path / "out.mkv",
                       settings=ExportSettings(quality=0))
    expected_yuv = [
        av.VideoFrame.from_ndarray(f, format="rgb24").reformat(
            format="yuv444p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG,
        ).to_ndarray()
        for f in frames
    ]
    with av.open(str(dest)) as container:
        decoded = list(container.decode(video=0))
    assert [f.format.name for f in decoded] == ["yuv444p"] * 6
    for want, got in zip(expected_yuv, decoded):
        np.testing.assert_array_equal(got.to_ndarray(), want)
    for want, got in zip(frames, decoded):
        error = np.abs(got.to_ndarray(format="rgb24").astype(int) - want)
        assert error.max() <= 2


def test_default_quality_is_close_to_the_input(tmp_path):
    frames = moving_gradient(96, 64, 10)
    dest = export_clip(frames, silent_clip_info(frame_count=10), tmp_path / "out.mp4")
    for want, got in zip(frames, decode_rgb(dest)):
        assert np.abs(got.astype(float) - want).mean() < 3.0


def test_prores_writes_422_hq_mov(tmp_path):
    info = silent_clip_info(96, 64, 8, Fraction(24000, 1001))
    dest = export_clip(moving_gradient(96, 64, 8), info, tmp_path / "out.mov",
                       settings=ExportSettings(codec="prores"))
    with av.open(str(dest)) as container:
        assert container.format.name.startswith("mov")
        stream = container.streams.video[0]
        assert stream.codec_context.name == "prores"
        assert stream.codec_context.profile == "HQ"
        assert stream.codec_context.pix_fmt == "yuv422p10le"
        assert stream.average_rate == Fraction(24000, 1001)
        assert sum(1 for _ in container.decode(stream)) == 8


@pytest.mark.parametrize("codec, name", [("h264", "out.mp4"), ("prores", "out.mov")])
def test_odd_size_is_kept_exactly(tmp_path, codec, name):
    info = silent_clip_info(53, 31, 5, Fraction(25))
    frames = moving_gradient(53, 31, 5)
    dest = export_clip(frames, info, tmp_path / name, settings=ExportSettings(codec=codec))
    decoded = decode_rgb(dest)
    assert len(decoded) == 5
    assert all(f.shape == (31, 53, 3) for f in decoded)
    assert np.abs(decoded[2].astype(float) - frames[2]).mean() < 3.0


def test_cancel_mid_way_leaves_nothing(tmp_path):
    token, progress = cancel_after(10)
    with pytest.raises(Cancelled):
        export_clip(moving_gradient(count=48), silent_clip_info(), tmp_path / "out.mp4",
                    progress=progress, cancel=token)
    assert entries(tmp_path) == []


def test_destination_inside_a_file_raises_export_error(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_bytes(b"")
    dest = blocker / "out.mp4"
    with pytest.raises(ExportError, match="not_a_folder/out.mp4.*choose a folder"):
        export_clip(moving_gradient(count=3), silent_clip_info(frame_count=3), dest)
    assert entries(tmp_path) == ["not_a_folder"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_folder_raises_export_error(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ExportError, match="choose a folder"):
            export_clip(moving_gradient(count=3), silent_clip_info(frame_count=3), folder / "o.mp4")
        assert entries(folder) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("bad", [
    np.zeros((64, 96), np.uint8),
    np.zeros((64, 96, 4), np.uint8),
    np.zeros((32, 96, 3), np.uint8),
    np.zeros((64, 96, 3), np.float32),
])
def test_frame_of_wrong_shape_raises_export_error_and_leaves_nothing(tmp_path, bad):
    frames = moving_gradient(count=4)
    frames[2] = bad
    with pytest.raises(ExportError, match="Frame 2"):
        export_clip(frames, silent_clip_info(frame_count=4), tmp_path / "out.mp4")
    assert entries(tmp_path) == []


def test_no_frames_raises_export_error(tmp_path):
    with pytest.raises(ExportError, match="no frames"):
        export_clip([], silent_clip_info(), tmp_path / "out.mp4")
    assert entries(tmp_path) == []


def test_existing_destination_is_replaced_only_on_success(tmp_path):
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"previous export")
    frames = moving_gradient(count=4)
    frames[3] = np.zeros((1, 1, 3), np.uint8)
    with pytest.raises(ExportError, match="Frame 3"):
        export_clip(frames, silent_clip_info(frame_count=4), dest, overwrite=True)
    assert dest.read_bytes() == b"previous export"
    with pytest.raises(ExportError, match="out.mp4 already exists; add -y to overwrite it"):
        export_clip(moving_gradient(count=4), silent_clip_info(frame_count=4), dest)
    assert dest.read_bytes() == b"previous export"
    export_clip(moving_gradient(count=4), silent_clip_info(frame_count=4), dest, overwrite=True)
    assert len(decode_rgb(dest)) == 4
    assert entries(tmp_path) == ["out.mp4"]


def test_full_disk_names_the_path_and_the_fix_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    from core.export import clip_writer

    def fill_the_disk(frames, info, tmp, *args):
        tmp.write_bytes(b"half an export")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(clip_writer, "_encode", fill_the_disk)
    with pytest.raises(ExportError, match="out.mp4: the disk is full; free some space"):
        export_clip(moving_gradient(count=2), silent_clip_info(frame_count=2), tmp_path / "out.mp4")
    assert entries(tmp_path) == []
