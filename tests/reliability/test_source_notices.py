"""What Keyfill changes of a source without being asked is said: pictures dropped or doubled to
make a variable-frame-rate clip constant, and 10-bit sources written with 8-bit pixels.

Before: 7 of 90 pictures of a phone-like clip went silently; a 10-bit source came out 8-bit with
no word.
"""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.progress import NEVER_CANCELLED
from core.video import open_clip, probe
from core.video.source_notices import grid_fit, source_notices
from tests.reliability.conftest import frame_number, numbered_frame, write_clip

# 25 fps with a gap (frames 3-4 hold frame 2), pictures 10 ms apart (two land on frame 5) and more
VARIABLE = [0, 40, 80, 200, 210, 220, 240, 280, 320, 330, 360]


def test_pictures_dropped_and_doubled_on_the_grid_are_counted_as_the_decoder_shows_them(tmp_path):
    clip = write_clip(tmp_path / "phone.mp4", VARIABLE)
    info = probe(clip)
    fit = grid_fit(info)
    with open_clip(clip) as reader:
        shown = [frame_number(frame) for frame in reader.frames()]
    held = sum(1 for before, now in zip(shown, shown[1:]) if before == now)
    assert (fit.pictures, fit.dropped, fit.held) == (len(VARIABLE), len(VARIABLE) - len(set(shown)), held)
    assert (fit.dropped, fit.held) == (3, 2) and info.frame_count == fit.pictures - fit.dropped + fit.held
    assert source_notices(info) == [
        "'phone.mp4' has a variable frame rate: to make a constant 25 fps, 3 of its 11 pictures are dropped and "
        "2 frames repeat the picture before; to keep every picture, convert it to a constant frame rate first."]


def test_a_constant_frame_rate_and_an_image_folder_say_nothing(tmp_path):
    assert source_notices(probe(write_clip(tmp_path / "steady.mkv", [i * 40 for i in range(8)], fmt="matroska")),
                          codec="h264") == []
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i}.png"), numbered_frame(i))
    assert grid_fit(probe(folder)) is None and source_notices(probe(folder), codec="prores") == []


def test_cli_removal_of_a_variable_frame_rate_clip_notes_the_pictures(tmp_path, capsys):
    clip = write_clip(tmp_path / "phone.mp4", VARIABLE)
    cv2.imwrite(str(tmp_path / "m.png"), np.pad(np.full((8, 8), 255, np.uint8), ((4, 36), (4, 52))))
    assert main(["remove", str(clip), "--masks", str(tmp_path / "m.png"), "-o", str(tmp_path / "o.mp4"),
                 "--method", "flow"]) == 0
    assert "keyfill: note: 'phone.mp4' has a variable frame rate: to make a constant 25 fps, 3 of its 11" \
        in capsys.readouterr().err


def _ten_bit_clip(path, frames: int = 3):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p10le"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(numbered_frame(i), format="rgb24").reformat(format="yuv420p10le")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("codec, written", [("h264", "as 8-bit H.264"), ("prores", "in a 10-bit ProRes file"),
                                            ("png", "as 8-bit PNG")])
def test_a_10_bit_source_says_its_pixels_are_written_8_bit(tmp_path, codec, written):
    info = probe(_ten_bit_clip(tmp_path / "graded.mkv"))
    assert info.pix_fmt == "yuv420p10le"
    assert source_notices(info, codec=codec) == [
        f"'graded.mkv' is 10-bit (yuv420p10le) but Keyfill works on 8-bit frames, written {written}; to keep "
        "10 bits outside the object, composite the result over the original with the mattes (--mattes)."]
    assert source_notices(info) == []  # no output, nothing lost


def test_cli_export_of_a_10_bit_source_notes_it(tmp_path, capsys):
    clip = _ten_bit_clip(tmp_path / "graded.mkv")
    cv2.imwrite(str(tmp_path / "m.png"), np.pad(np.full((8, 8), 255, np.uint8), ((4, 36), (4, 52))))
    assert main(["remove", str(clip), "--masks", str(tmp_path / "m.png"), "-o", str(tmp_path / "o.mov"),
                 "--codec", "prores", "--method", "flow"]) == 0
    assert "keyfill: note: 'graded.mkv' is 10-bit (yuv420p10le)" in capsys.readouterr().err
    assert probe(tmp_path / "o.mov").pix_fmt == "yuv422p10le"


def test_the_windows_export_job_hears_the_notices(tmp_path):
    from app.workers.tasks import ExportOptions, export_task
    from core.project import new_project
    from core.project.from_clip import clip_ref

    clip = write_clip(tmp_path / "phone.mp4", VARIABLE)
    info = probe(clip)
    project = new_project(clip_ref(info))
    mask = np.zeros((48, 64), np.uint8)
    mask[4:12, 4:12] = 255
    for frame in range(info.frame_count):
        project.set_mask(1, frame, mask)
    project.update_settings(removal_method="flow")
    notices = []
    export_task(project, ExportOptions(clip_dest=tmp_path / "o.mp4"), notice=notices.append)(
        lambda *args: None, NEVER_CANCELLED)
    assert any("variable frame rate" in n and "3 of its 11 pictures" in n for n in notices)
    assert probe(tmp_path / "o.mp4").frame_rate == Fraction(25)


def test_info_shows_the_pictures_a_variable_frame_rate_costs(tmp_path, capsys):
    clip = write_clip(tmp_path / "phone.mp4", VARIABLE)
    assert main(["info", str(clip)]) == 0
    assert "frames:      10 (variable frame rate: 3 of 11 pictures dropped, 2 frames repeat the one before)" \
        in capsys.readouterr().out
