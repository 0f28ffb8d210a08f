"""The command line: one-line errors for bad input, and the commands doing their job end to end."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from core.cli.main import main

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "resources" / "samples" / "bmx-trees.mp4"


def write_clip_with_audio(path: Path, frames: int = 30, size=(96, 64), fps: int = 25) -> Path:
    """A small H.264 clip with an AAC sine tone as long as the video."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=Fraction(fps))
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "mono"
        yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
        for i in range(frames):
            image = np.stack([(xx * 2 + i * 3) % 256, (yy * 3) % 256, np.full_like(xx, 128)], -1).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode())
        samples_total = int(48000 * frames / fps)
        t = np.arange(samples_total) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, samples_total, 1024):
            chunk = tone[start : start + 1024][None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, start
            out.mux(audio.encode(frame))
        out.mux(audio.encode())
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True, cwd=REPO, timeout=300
    )


def test_help_lists_every_subcommand():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("info", "remove", "export", "demo", "bench", "app"):
        assert command in result.stdout


def test_info_prints_exact_frame_rate_and_count(capsys):
    assert main(["info", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "432x240" in out and "24/1" in out and "frames:      80" in out


@pytest.mark.parametrize("case", ["missing", "not_a_video", "mask_size", "static_mask_size", "mask_count"])
def test_bad_input_is_one_line_error_with_exit_code_2(tmp_path, case):
    clip, masks = str(SAMPLE), tmp_path / "masks"
    masks.mkdir()
    if case == "missing":
        clip = str(tmp_path / "nope.mp4")
        cv2.imwrite(str(masks / "00000.png"), np.zeros((240, 432), np.uint8))
    elif case == "not_a_video":
        clip = str(tmp_path / "notes.mp4")
        Path(clip).write_text("these are my notes, not a video")
        cv2.imwrite(str(masks / "00000.png"), np.zeros((240, 432), np.uint8))
    elif case == "mask_size":
        for i in range(80):
            cv2.imwrite(str(masks / f"{i:05d}.png"), np.zeros((100, 100), np.uint8))
    elif case == "static_mask_size":  # one image for every frame, of another size, no --resize-masks
        masks = tmp_path / "logo.png"
        cv2.imwrite(str(masks), np.zeros((120, 216), np.uint8))
    else:  # masks for 3 of 80 frames and no --propagate
        for i in range(3):
            cv2.imwrite(str(masks / f"{i:05d}.png"), np.zeros((240, 432), np.uint8))
    result = run_cli("remove", clip, "--masks", str(masks), "-o", str(tmp_path / "out.mp4"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("keyfill: error:"), result.stderr
    assert not (tmp_path / "out.mp4").exists()
    expected = {"missing": "nope.mp4", "not_a_video": "notes.mp4", "mask_size": "100x100",
                "static_mask_size": "216x120", "mask_count": "3 of"}[case]
    assert expected in lines[0]


@pytest.mark.parametrize("case", ["missing", "not_a_video"])
def test_info_on_a_bad_clip_is_one_line_error_with_exit_code_2(tmp_path, capsys, case):
    clip = tmp_path / "clip.mp4"
    if case == "not_a_video":
        clip.write_text("these are my notes, not a video")
    assert main(["info", str(clip)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("keyfill: error:") and "clip.mp4" in lines[0], err


def test_remove_with_a_static_mask_keeps_size_rate_count_and_audio(tmp_path):
    clip = write_clip_with_audio(tmp_path / "with_audio.mp4")
    mask = np.zeros((32, 48), np.uint8)  # another size: resized to 96x64
    mask[8:20, 10:30] = 255
    cv2.imwrite(str(tmp_path / "mask.png"), mask)
    out = tmp_path / "clean.mp4"
    mattes = tmp_path / "mattes"
    result = run_cli("remove", str(clip), "--masks", str(tmp_path / "mask.png"), "--resize-masks",
                     "-o", str(out), "--mattes", str(mattes), "--method", "flow")
    assert result.returncode == 0, result.stderr
    with av.open(str(clip)) as src, av.open(str(out)) as dst:
        sv, dv = src.streams.video[0], dst.streams.video[0]
        assert (dv.width, dv.height) == (sv.width, sv.height)
        assert dv.average_rate == sv.average_rate
        assert sum(1 for _ in dst.decode(video=0)) == 30
        assert len(dst.streams.audio) == 1
        sa, da = src.streams.audio[0], dst.streams.audio[0]
        assert da.codec_context.name == "aac"
        assert abs(float(da.duration * da.time_base) - float(sa.duration * sa.time_base)) < 0.05
    written = sorted(mattes.glob("*.png"))
    assert len(written) == 30
    matte = cv2.imread(str(written[0]), cv2.IMREAD_GRAYSCALE)
    assert matte.shape == (64, 96) and matte[28, 40] == 255 and matte[0, 0] == 0


def test_bench_memory_figure_is_the_scrubbing_childs_own_not_its_parents():
    # ru_maxrss survives exec: a spawned child would report the RSS of the parent it forked from.
    from core.bench.video_bench import bench_scrubbing

    ballast = np.ones(2**30 // 8)  # 1 GiB held (and touched) by the parent
    figures = bench_scrubbing(SAMPLE, scrubs=5, cache_bytes=16 * 2**20)
    del ballast
    assert figures["frames"] == 80 and figures["size"] == "432x240"
    assert 0 < figures["rss_after_imports_mib"] <= figures["peak_rss_mib"] < 700, figures


@pytest.mark.parametrize("flags, texture", [((), False), (("--texture",), True)])
def test_remove_texture_flag_reaches_the_flow_fill(tmp_path, monkeypatch, flags, texture):
    from core.fill import FlowFill
    from core.render import removal

    made = []
    monkeypatch.setattr(removal, "FlowFill", lambda *a, **k: made.append(k["texture"]) or FlowFill(*a, **k))
    clip = write_clip_with_audio(tmp_path / "with_audio.mp4")
    mask = np.zeros((64, 96), np.uint8)
    mask[20:40, 30:60] = 255
    cv2.imwrite(str(tmp_path / "mask.png"), mask)
    assert main(["remove", str(clip), "--masks", str(tmp_path / "mask.png"), "-o", str(tmp_path / "clean.mp4"),
                 "--method", "flow", *flags]) == 0
    assert made == [texture]
