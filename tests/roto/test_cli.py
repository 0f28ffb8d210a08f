"""``main.py roto``: keyframe masks in, one 0/255 PNG mask per frame out; one-line errors exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.roto_scenes import HEIGHT, WIDTH, SlidingSquares

REPO = Path(__file__).resolve().parents[2]
FRAMES = 8


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True, cwd=REPO, timeout=300
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, SlidingSquares]:
    """A tiny image-sequence clip of a sliding square, written losslessly."""
    scene = SlidingSquares([(20, 40, 4, 1)], size=32, frame_count=FRAMES)
    folder = tmp_path_factory.mktemp("clip") / "frames"
    folder.mkdir()
    for index in range(FRAMES):
        cv2.imwrite(str(folder / f"{index:05d}.png"), cv2.cvtColor(scene.frame(index), cv2.COLOR_RGB2BGR))
    return folder, scene


def write_keyframes(folder: Path, masks: dict[int, np.ndarray]) -> Path:
    folder.mkdir()
    for index, mask in masks.items():
        cv2.imwrite(str(folder / f"{index:05d}.png"), mask)
    return folder


def test_roto_writes_one_mask_per_frame_and_the_mattes(clip, tmp_path):
    frames, scene = clip
    keyframes = write_keyframes(tmp_path / "keys", {0: scene.mask(0), FRAMES - 1: scene.mask(FRAMES - 1)})
    result = run_cli("roto", str(frames), "--keyframes", str(keyframes), "-o", str(tmp_path / "masks"),
                     "--mattes", str(tmp_path / "mattes"))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "masks").iterdir())
    assert written == [f"{i:05d}.png" for i in range(FRAMES)]
    assert len(list((tmp_path / "mattes").iterdir())) == FRAMES
    for index in range(FRAMES):
        mask = cv2.imread(str(tmp_path / "masks" / f"{index:05d}.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (HEIGHT, WIDTH) and set(np.unique(mask)) <= {0, 255}
        truth = scene.mask(index) > 0
        iou = np.count_nonzero((mask > 0) & truth) / np.count_nonzero((mask > 0) | truth)
        assert iou > 0.85, (index, iou)
    assert np.array_equal(cv2.imread(str(tmp_path / "masks" / "00000.png"), cv2.IMREAD_UNCHANGED), scene.mask(0))


@pytest.mark.parametrize(
    "bad, words",
    [
        ({20: np.zeros((HEIGHT, WIDTH), np.uint8)}, "frame"),
        ({0: np.zeros((HEIGHT // 2, WIDTH // 2), np.uint8)}, f"{WIDTH}x{HEIGHT}"),
    ],
)
def test_bad_keyframes_exit_2_with_one_line(clip, tmp_path, bad, words):
    frames, _ = clip
    keyframes = write_keyframes(tmp_path / "keys", bad)
    result = run_cli("roto", str(frames), "--keyframes", str(keyframes), "-o", str(tmp_path / "masks"))
    assert result.returncode == 2
    assert result.stderr.startswith("keyfill: error:") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert not (tmp_path / "masks").exists()


@pytest.mark.parametrize("option, value, words", [
    ("--working-width", "0", "working width 0 is out of range (64 to 8192 pixels)"),
    ("--refine-steps", "-1", "clip refiner's steps -1 are out of range (0 to 100000)"),
])
def test_an_option_out_of_range_exits_2_naming_it_and_its_range(clip, tmp_path, option, value, words):
    frames, _ = clip
    keyframes = write_keyframes(tmp_path / "keys", {0: np.zeros((HEIGHT, WIDTH), np.uint8)})
    result = run_cli("roto", str(frames), "--keyframes", str(keyframes), "-o", str(tmp_path / "masks"), option, value)
    assert result.returncode == 2
    assert result.stderr.startswith("keyfill: error:") and result.stderr.count("\n") == 1
    assert words in result.stderr
    assert not (tmp_path / "masks").exists()


def test_a_missing_keyframe_folder_exits_2(clip, tmp_path):
    frames, _ = clip
    result = run_cli("roto", str(frames), "--keyframes", str(tmp_path / "nowhere"), "-o", str(tmp_path / "masks"))
    assert result.returncode == 2 and "does not exist" in result.stderr
