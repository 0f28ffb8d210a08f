"""core.video: probing, exact index <-> timestamp mapping, seek == sequential, errors, cache."""

from __future__ import annotations

import random
from contextlib import nullcontext
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from core.errors import VideoError
from core.video import ClipInfo, probe, open_clip
from core.video.frame_cache import FrameCache

WIDTH, HEIGHT, COUNT, GOP = 64, 48, 60, 10


# -- generated clips: frame i shows the bits of i as stripes, so a decoded frame names itself --

def pattern(index: int, rng: np.random.Generator) -> np.ndarray:
    """(48, 64, 3) RGB: 6 stripes (bit b of ``index`` white or black) over a noise band.

    The noise keeps every frame a similar size in bytes, so cutting a file in half cuts frames.
    """
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for bit in range(6):
        if index >> bit & 1:
            image[:32, bit * 10 + 2: bit * 10 + 10] = 255
    image[32:] = rng.integers(0, 256, (HEIGHT - 32, WIDTH, 3), dtype=np.uint8)
    return image


def read_pattern(frame: np.ndarray) -> int:
    return sum(1 << bit for bit in range(6) if frame[4:28, bit * 10 + 4: bit * 10 + 8].mean() > 128)


def write_pattern_clip(path: Path, *, fmt: str | None = None, faststart: bool = False,
                       rotation: int | None = None) -> Path:
    """H.264 (with B-frames), 25 fps, keyframe every GOP frames."""
    rng = np.random.default_rng(0)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=options) as container:
        stream = container.add_stream("libx264", rate=25, options={"crf": "12"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = GOP
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for index in range(COUNT):
            frame = av.VideoFrame.from_ndarray(pattern(index, rng), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "mp4": write_pattern_clip(folder / "pattern.mp4"),
        # MPEG-TS: first pts is not 0 and the container does not store a frame count.
        "ts": write_pattern_clip(folder / "pattern.ts", fmt="mpegts"),
        "mkv": write_pattern_clip(folder / "pattern.mkv"),
        "faststart": write_pattern_clip(folder / "faststart.mp4", faststart=True),
        "rotated": write_pattern_clip(folder / "rotated.mp4", rotation=90),
    }


def truncated_copy(source: Path, dest: Path) -> Path:
    data = source.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest


# -- probe --------------------------------------------------------------------------------------

def test_probe_running_car(shared_data):
    info = probe(shared_data / "running_car" / "running_car.mp4")
    assert isinstance(info, ClipInfo)
    assert (info.width, info.height) == (972, 540)
    assert info.frame_rate == Fraction(25) and isinstance(info.frame_rate, Fraction)
    assert info.frame_count == 292
    assert info.duration == pytest.approx(11.68, abs=0.05)
    assert (info.codec, info.pix_fmt, info.rotation) == ("h264", "yuv420p", 0)
    assert not info.is_image_sequence
    assert len(info.audio_streams) == 1
    audio = info.audio_streams[0]
    assert audio.codec == "aac" and audio.sample_rate > 0 and audio.channels >= 1


@pytest.mark.parametrize("kind", ["mp4", "ts", "mkv"])
def test_probe_generated_clips(clips, kind):
    info = probe(clips[kind])
    assert (info.width, info.height, info.frame_rate) == (WIDTH, HEIGHT, Fraction(25))
    assert info.frame_count == COUNT  # ts and mkv: counted from packets
    assert info.audio_streams == ()


def test_rotated_clip_is_upright(clips):
    info = probe(clips["rotated"])
    # Stored 64x48, displayed turned 90 degrees counter-clockwise (= 270 clockwise).
    assert (info.width, info.height, info.rotation) == (HEIGHT, WIDTH, 270)
    with open_clip(clips["rotated"]) as reader:
        for index in (0, 7, 33):
            frame = reader.frame(index)
            assert frame.shape == (WIDTH, HEIGHT, 3)
            assert read_pattern(np.rot90(frame, k=-1)) == index


# -- exact random access ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["mp4", "ts", "mkv"])
def test_frame_index_maps_exactly(clips, kind):
    with open_clip(clips[kind], cache_bytes=0) as reader:
        sequential = [frame.copy() for frame in reader.frames()]
        assert [read_pattern(f) for f in sequential] == list(range(COUNT))
        order = list(range(COUNT))
        random.Random(1).shuffle(order)
        for index in order:
            frame = reader.frame(index)
            assert read_pattern(frame) == index
            assert np.array_equal(frame, sequential[index]), f"frame {index} differs after a seek"
    # With a cache, frames decoded on the way to a seek target are kept: they must match too.
    with open_clip(clips[kind]) as reader:
        for index in order:
            assert np.array_equal(reader.frame(index), sequential[index]), f"cached frame {index}"


def test_seek_matches_sequential_on_running_car(shared_data):
    path = shared_data / "running_car" / "running_car.mp4"
    keyframes = keyframe_indices(path)
    assert len(keyframes) > 1
    after_keyframes = {k + d for k in keyframes for d in (-1, 0, 1)}
    rng = random.Random(7)
    sample = {0, 291, 150} | {i for i in after_keyframes if 0 <= i < 292}
    sample |= set(rng.sample(range(292), 4))
    expected = {}
    with open_clip(path, cache_bytes=0) as reader:
        for index, frame in enumerate(reader.frames()):
            if index in sample:
                expected[index] = frame.copy()
    order = sorted(sample)
    rng.shuffle(order)
    with open_clip(path, cache_bytes=0) as reader:
        for index in order:
            assert np.array_equal(reader.frame(index), expected[index]), f"frame {index} differs"


def keyframe_indices(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(round((p.pts - stream.start_time) * stream.time_base * stream.average_rate)
                      for p in container.demux(stream) if p.size and p.is_keyframe)


def test_frames_range_and_read_only(clips):
    with open_clip(clips["mp4"]) as reader:
        assert len(reader) == COUNT
        frames = list(reader.frames(10, 15))
        assert [read_pattern(f) for f in frames] == [10, 11, 12, 13, 14]
        assert frames[0].dtype == np.uint8 and frames[0].shape == (HEIGHT, WIDTH, 3)
        assert not frames[0].flags.writeable  # shared with the cache
        assert list(reader.frames(5, 5)) == []


# -- image sequences ----------------------------------------------------------------------------

def test_image_sequence_folder(shared_data):
    folder = shared_data / "bmx-trees" / "frames"
    info = probe(folder)
    assert (info.width, info.height, info.frame_count) == (432, 240, 80)
    assert info.is_image_sequence and info.frame_rate == Fraction(24)
    ntsc = Fraction(30000, 1001)
    assert probe(folder, sequence_frame_rate=ntsc).frame_rate == ntsc
    with open_clip(folder) as reader:
        expected = cv2.cvtColor(cv2.imread(str(folder / "00005.jpg")), cv2.COLOR_BGR2RGB)
        assert np.array_equal(reader.frame(5), expected)
        assert sum(1 for _ in reader.frames(70)) == 10


def test_image_sequence_natural_order(tmp_path):
    for value, name in [(10, "f10.png"), (2, "f2.png"), (1, "f1.png")]:
        cv2.imwrite(str(tmp_path / name), np.full((8, 8, 3), value, np.uint8))
    (tmp_path / "notes.txt").write_text("ignored")
    with open_clip(tmp_path) as reader:
        assert [int(f[0, 0, 0]) for f in reader.frames()] == [1, 2, 10]


def test_image_sequence_odd_size_names_the_file(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i:05d}.png"), np.zeros((8, 8, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "00003.png"), np.zeros((8, 9, 3), np.uint8))
    with pytest.raises(VideoError, match="00003.png"):
        probe(tmp_path)


# -- cache and thumbnails -----------------------------------------------------------------------

def test_frame_cache_is_bounded_in_bytes():
    frame_bytes = 10 * 10 * 3
    cache = FrameCache(max_bytes=3 * frame_bytes + 5)
    for index in range(3):
        cache.put(index, np.zeros((10, 10, 3), np.uint8))
    cache.get(0)  # 0 becomes most recent: 1 is evicted next
    cache.put(3, np.zeros((10, 10, 3), np.uint8))
    assert len(cache) == 3 and cache.nbytes <= cache.max_bytes
    assert 1 not in cache and 0 in cache and 3 in cache
    cache.put(4, np.zeros((100, 100, 3), np.uint8))  # bigger than the whole budget
    assert 4 not in cache and cache.nbytes <= cache.max_bytes


def test_reader_cache_respects_byte_budget(clips):
    budget = 5 * WIDTH * HEIGHT * 3 + 100
    with open_clip(clips["mp4"], cache_bytes=budget) as reader:
        for index in (40, 3, 59, 20, 7, 33, 51):
            reader.frame(index)
            assert reader._cache.nbytes <= budget
        assert len(reader._cache) == 5


def test_pictures_passed_on_the_way_are_converted_only_when_asked_for(clips, monkeypatch):
    with open_clip(clips["mp4"], cache_bytes=0) as reader:
        sequential = [frame.copy() for frame in reader.frames(0, 20)]
    converted = []
    with open_clip(clips["mp4"]) as reader:
        decoder = reader._source
        to_rgb = decoder._to_rgb
        monkeypatch.setattr(decoder, "_to_rgb", lambda frame: converted.append(1) or to_rgb(frame))
        reader.frame(18)  # from the keyframe at 10: 10..17 decoded on the way
        assert len(converted) == 1 and len(reader._cache) == 1
        position = decoder._position
        for index in (12, 17, 10):  # scrubbing back: no seek, one conversion each
            assert np.array_equal(reader.frame(index), sequential[index])
            assert decoder._position == position
        assert len(converted) == 4


def test_thumbnails(clips):
    with open_clip(clips["mp4"]) as reader:
        thumbnails = reader.thumbnails(5, height=24)
        assert [t.shape for t in thumbnails] == [(24, 32, 3)] * 5
        assert all(t.dtype == np.uint8 for t in thumbnails)
        assert len(reader.thumbnails(100, height=12)) == 100  # shorter clip: frames repeat
        assert reader.thumbnails(0) == []


# -- errors -------------------------------------------------------------------------------------

def test_missing_path(tmp_path):
    with pytest.raises(VideoError, match="does not exist"):
        probe(tmp_path / "nope.mp4")


def test_text_file_named_mp4(tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video\n" * 20)
    with pytest.raises(VideoError, match="fake.mp4.*convert it to H.264 MP4"):
        open_clip(fake)


def test_empty_folder(tmp_path):
    with pytest.raises(VideoError, match="no .jpg"):
        open_clip(tmp_path)


def test_index_out_of_range(clips):
    with open_clip(clips["mp4"]) as reader:
        with pytest.raises(VideoError, match=r"(?i)frame 60 is outside the clip \(0\.\.59\)"):
            reader.frame(60)
        with pytest.raises(VideoError, match="outside the clip"):
            reader.frame(-1)
        with pytest.raises(VideoError, match="outside the clip"):
            list(reader.frames(50, 70))
    with pytest.raises(VideoError, match="closed"):
        reader.frame(0)


@pytest.mark.parametrize("kind", ["mp4", "faststart", "ts"])
def test_truncated_file_never_leaks_av_errors(clips, kind, tmp_path):
    cut = truncated_copy(clips[kind], tmp_path / f"cut{clips[kind].suffix}")
    try:
        reader = open_clip(cut, cache_bytes=0)
    except VideoError:
        assert kind == "mp4"  # its index is at the end of the file: refused when opened
        return
    with reader:
        assert read_pattern(reader.frame(3)) == 3
        patterns = []
        # faststart: the index claims 60 frames, the data stops halfway. ts: the frame count
        # comes from the packets that are there, so reading simply ends.
        with pytest.raises(VideoError) if kind == "faststart" else nullcontext():
            for frame in reader.frames():
                patterns.append(read_pattern(frame))
        assert 10 < len(patterns) < COUNT
        # The last, cut packet may decode as a concealed copy of its reference.
        assert patterns[:-1] == list(range(len(patterns) - 1))
        with pytest.raises(VideoError) if kind == "faststart" else nullcontext():
            reader.frame(len(reader) - 1)


def test_without_pyav_image_folders_still_read_and_video_files_say_what_is_missing(tmp_path, clips):
    """A bare GPU machine has no PyAV: the trainers read image folders there, and a video file
    gets a message naming the missing package instead of an ImportError at import time."""
    import os
    import subprocess
    import sys

    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "av.py").write_text("raise ImportError('no PyAV here')\n")
    folder = tmp_path / "seq"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:05d}.png"), np.full((16, 24, 3), 40 * i, np.uint8))
    script = (
        "import sys\n"
        "from core.errors import VideoError\n"
        "from core.video import open_clip\n"
        f"with open_clip({str(folder)!r}) as r: print(len(r), r.info.width)\n"
        "try:\n"
        f"    open_clip({str(next(iter(clips.values())))!r})\n"
        "except VideoError as e: print('refused:', e)\n")
    env = {**os.environ, "PYTHONPATH": f"{stub}:{Path(__file__).resolve().parents[2]}"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "3 24"
    assert "refused:" in out.stdout and "PyAV is not installed" in out.stdout
