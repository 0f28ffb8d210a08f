"""The rotoscoping evaluation: J, F and J&F per clip and keyframe setting, baseline beside ours."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from core.errors import VideoError
from core.eval.roto_eval import KEYFRAME_SETTINGS, evaluate_roto, keyframe_indices, roto_table_markdown
from tests.roto_scenes import SlidingSquares

FRAMES = 24


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """A data root laid out like /work/shared/data: one clip with frames/ and masks/."""
    root = tmp_path_factory.mktemp("data")
    scene = SlidingSquares([(10, 30, 4, 2)], size=32, frame_count=FRAMES)
    (root / "squares" / "frames").mkdir(parents=True)
    (root / "squares" / "masks").mkdir()
    (root / "notes").mkdir()  # a folder without frames/ and masks/ is not a clip
    for index in range(FRAMES):
        frame = cv2.cvtColor(scene.frame(index), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(root / "squares" / "frames" / f"{index:05d}.png"), frame)
        cv2.imwrite(str(root / "squares" / "masks" / f"{index:05d}.png"), scene.mask(index))
    return root


def test_keyframe_settings_are_the_first_frame_and_every_twentieth():
    assert keyframe_indices(80, None) == [0]
    assert keyframe_indices(80, 20) == [0, 20, 40, 60]
    assert keyframe_indices(70, 20) == [0, 20, 40, 60]


def test_every_setting_and_method_is_scored_and_ours_beats_the_baseline(data_root):
    reports = []
    rows = evaluate_roto(data_root, progress=lambda done, total, message: reports.append((done, total)))
    assert {(r["setting"], r["method"]) for r in rows} == {
        (setting, method) for setting in KEYFRAME_SETTINGS for method in ("baseline", "propagation")
    }
    assert {r["clip"] for r in rows} == {"squares"}
    for row in rows:
        assert 0 <= row["J"] <= 1 and 0 <= row["F"] <= 1
        assert row["J&F"] == pytest.approx(50 * (row["J"] + row["F"]))
        assert row["frames"] == FRAMES - len(row["keyframes"])
        assert not set(row["J_per_frame"]) & set(row["keyframes"])  # keyframes are not scored
        assert 0 <= row["leaking"] <= 1
    by_key = {(r["setting"], r["method"]): r["J&F"] for r in rows}
    for setting in KEYFRAME_SETTINGS:
        assert by_key[(setting, "propagation")] > by_key[(setting, "baseline")]
    assert by_key[("every 20", "propagation")] > 85
    assert reports[-1][0] == reports[-1][1] == len(rows)

    table = roto_table_markdown(rows)
    assert table.count("| squares |") == len(KEYFRAME_SETTINGS)
    assert "1 keyframe (0)" in table and "every 20 (0, 20)" in table
    assert "leaking frames (baseline / propagation)" in table
    gain = by_key[("1 keyframe", "propagation")] - by_key[("1 keyframe", "baseline")]
    assert f"{gain:+.1f}" in table


def test_a_root_without_clips_is_refused(tmp_path):
    with pytest.raises(VideoError, match="frames/ and masks/"):
        evaluate_roto(tmp_path)


def test_bmx_trees_from_keyframes_every_20_frames_stays_above_the_old_propagation(shared_data):
    """Regression guard on real footage: J&F was 35 before the object-motion carry and re-anchoring."""
    from core.clip_folder import read_clip_with_masks
    from core.metrics import j_and_f
    from core.roto import propagate_masks

    frames, truth = read_clip_with_masks(shared_data / "bmx-trees")
    keyframes = keyframe_indices(len(frames), 20)
    scored = [f for f in range(len(frames)) if f not in keyframes]
    results = propagate_masks(frames.__getitem__, len(frames), {k: truth[k] for k in keyframes}, frames=scored)
    score = j_and_f([results[f].mask for f in scored], [truth[f] for f in scored])
    assert score.j_and_f > 60, score.j_and_f
