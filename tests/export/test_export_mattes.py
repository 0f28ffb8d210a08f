"""core.export mattes: an 8-bit greyscale PNG folder (default) or a matte video."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from core.errors import Cancelled, ExportError
from core.export import export_mattes
from tests.cancelling import cancel_after
from tests.export_stand_ins import entries, silent_clip_info


def random_mattes(width=53, height=31, count=5) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (height, width), dtype=np.uint8) for _ in range(count)]


def test_png_folder_round_trips_exactly(tmp_path):
    mattes = random_mattes()
    progress = []
    dest = export_mattes(mattes, silent_clip_info(53, 31, 5), tmp_path / "mattes",
                         progress=lambda done, total, message: progress.append((done, total)))
    assert dest == tmp_path / "mattes"
    assert entries(dest) == [f"{i:05d}.png" for i in range(5)]
    for i, want in enumerate(mattes):
        got = cv2.imread(str(dest / f"{i:05d}.png"), cv2.IMREAD_UNCHANGED)
        assert got.dtype == np.uint8 and got.ndim == 2  # 8-bit greyscale, not RGB
        np.testing.assert_array_equal(got, want)
    assert progress == [(i, 5) for i in range(1, 6)]
    assert entries(tmp_path) == ["mattes"]


def test_an_existing_folder_keeps_its_files_and_gets_new_ones_only_when_complete(tmp_path):
    dest = tmp_path / "mattes"
    export_mattes(random_mattes(count=5), silent_clip_info(53, 31, 5), dest)
    before = {p.name: p.read_bytes() for p in dest.iterdir()}
    bad = random_mattes(count=3) + [np.zeros((31, 53, 3), np.uint8)]
    with pytest.raises(ExportError, match="Matte 3"):
        export_mattes(bad, silent_clip_info(53, 31, 4), dest, overwrite=True)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    with pytest.raises(ExportError, match="already holds 2 of the files .* add -y"):
        export_mattes(random_mattes(count=2), silent_clip_info(53, 31, 2), dest)
    new = [np.full((31, 53), 7, np.uint8)] * 2
    export_mattes(new, silent_clip_info(53, 31, 2), dest, overwrite=True)
    assert entries(dest) == [f"{i:05d}.png" for i in range(5)]  # the 3 others are left as they were
    assert cv2.imread(str(dest / "00001.png"), cv2.IMREAD_UNCHANGED).max() == 7
    assert (dest / "00004.png").read_bytes() == before["00004.png"]
    assert entries(tmp_path) == ["mattes"]


def test_cancelled_png_export_leaves_nothing(tmp_path):
    token, progress = cancel_after(2)
    with pytest.raises(Cancelled):
        export_mattes(random_mattes(), silent_clip_info(53, 31, 5), tmp_path / "mattes",
                      progress=progress, cancel=token)
    assert entries(tmp_path) == []


def test_png_destination_inside_a_file_raises_export_error(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(ExportError, match="choose a folder"):
        export_mattes(random_mattes(), silent_clip_info(53, 31, 5), tmp_path / "file" / "mattes")
    assert entries(tmp_path) == ["file"]


@pytest.mark.parametrize("name, codec", [("matte.mp4", "h264"), ("matte.mov", "prores")])
def test_matte_video_has_every_frame_at_the_clip_rate(tmp_path, name, codec):
    y, x = np.mgrid[0:64, 0:96]
    mattes = [np.where((x - 4 * i) ** 2 + (y - 32) ** 2 < 200, 255, 0).astype(np.uint8)
              for i in range(12)]
    info = silent_clip_info(96, 64, 12, Fraction(30000, 1001))
    dest = export_mattes(mattes, info, tmp_path / name, as_video=True)
    with av.open(str(dest)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == codec
        assert stream.average_rate == Fraction(30000, 1001)
        assert not container.streams.audio
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(decoded) == 12
    for want, got in zip(mattes, decoded):
        assert got.shape == (64, 96, 3)
        assert np.abs(got.astype(float).mean(axis=2) - want).mean() < 4.0
