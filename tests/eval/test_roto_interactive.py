"""The simulated editor (issue 15): the worst frame becomes the next keyframe, only its segment is
propagated again, and the table has a line per clip and one of means."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli import eval_command
from core.cli.main import main
from core.errors import VideoError
from core.eval.roto_interactive import (
    EditorRound,
    EditorRun,
    evaluate_roto_interactive,
    interactive_clip_folders,
    interactive_table_markdown,
    simulate_editor,
)
from core.roto import frames_affected_by
from tests.roto_scenes import PanningObjectWithPole, SlidingSquares

FRAMES = 16


@pytest.fixture(scope="module")
def pole_rounds() -> tuple[list[np.ndarray], list[EditorRound]]:
    """The editor's 4 rounds on a panning box with a thin pole (refiner off: tests/conftest.py)."""
    scene = PanningObjectWithPole(frame_count=FRAMES)
    frames = [scene.frame(i) for i in range(FRAMES)]
    truth = [scene.mask(i) for i in range(FRAMES)]
    with pytest.MonkeyPatch.context() as patch:  # module scope: conftest's fixture is per test
        patch.setenv("KEYFILL_ROTO_REFINE_STEPS", "0")
        patch.setenv("KEYFILL_ROTO_MODEL", "no-roto-model.pt")
        return truth, simulate_editor(frames, truth, max_keyframes=4)


def test_each_round_adds_the_frame_the_previous_round_got_worst(pole_rounds):
    _, rounds = pole_rounds
    assert len(rounds) == 4
    assert rounds[0].keyframes == (0,) and rounds[0].added == 0 and rounds[0].propagated == FRAMES - 1
    for before, after in zip(rounds, rounds[1:]):
        candidates = [f for f in range(FRAMES) if f not in before.keyframes]
        worst = min(candidates, key=lambda f: (before.j_per_frame[f], f))
        assert after.added == worst
        assert after.keyframes == tuple(sorted(before.keyframes + (worst,)))
        assert after.j_per_frame[worst] == 1.0  # the true mask, as painted


def test_only_the_new_keyframes_segment_is_propagated_again(pole_rounds):
    _, rounds = pole_rounds
    for before, after in zip(rounds, rounds[1:]):
        affected = frames_affected_by(after.added, after.keyframes, FRAMES)
        assert after.propagated == len(affected)
        kept = [f for f in range(FRAMES) if f not in affected and f != after.added]
        assert kept, "every round here leaves some frames alone"
        assert [after.j_per_frame[f] for f in kept] == [before.j_per_frame[f] for f in kept]
        assert after.seconds > 0


def test_j_and_f_does_not_fall_as_keyframes_are_added(pole_rounds):
    _, rounds = pole_rounds
    scores = [r.j_and_f for r in rounds]
    assert scores == sorted(scores), scores
    assert scores[-1] > scores[0]
    for r in rounds:
        assert r.j_and_f == pytest.approx(50 * (r.j + r.f))
        assert r.j == pytest.approx(np.mean(r.j_per_frame))
        assert 0 <= r.leaking <= 1


def test_the_editor_stops_when_every_frame_is_a_keyframe():
    scene = SlidingSquares([(10, 30, 4, 2)], size=32, frame_count=3)
    frames, truth = [scene.frame(i) for i in range(3)], [scene.mask(i) for i in range(3)]
    rounds = simulate_editor(frames, truth, max_keyframes=8)
    assert [r.keyframes for r in rounds][-1] == (0, 1, 2)
    assert len(rounds) == 3 and rounds[-1].j_and_f == pytest.approx(100)
    with pytest.raises(ValueError, match="max_keyframes"):
        simulate_editor(frames, truth, max_keyframes=0)


def _round(keyframes: tuple[int, ...], score: float, seconds: float, leaking: float = 0.0) -> EditorRound:
    return EditorRound(keyframes=keyframes, added=keyframes[-1], propagated=5, seconds=seconds,
                       j=score / 100, f=score / 100, j_and_f=score, j_per_frame=(), leaking=leaking)


def test_the_table_has_a_line_per_clip_and_one_of_means():
    reaches = EditorRun("reaches", 20, (_round((0,), 80.0, 12.0, 0.1), _round((0, 9), 91.0, 3.0),
                                        _round((0, 5, 9), 95.0, 5.0)))
    never = EditorRun("never", 20, (_round((0,), 40.0, 10.0), _round((0, 12), 60.0, 4.0)))
    table = interactive_table_markdown([reaches, never])
    lines = table.strip().splitlines()
    assert len(lines) == 2 + 2 + 1  # header, rule, two clips, means
    assert lines[0].count("| J&F, ") == 3
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert lines[2].startswith("| reaches | 20 | 80.0 | 91.0 | 95.0 | 2 | 12.0 / 4.0, 5.0 | 5 | 10 % / 0 % | 0, 9, 9 |")
    assert lines[3].startswith("| never | 20 | 40.0 | 60.0 | – | not reached |")
    assert lines[4].startswith("| **mean of 2** | – | **60.0** | **75.5** | **95.0** | 2.0 (1 of 2 reached) |")
    assert reaches.keyframes_to_reach(90) == 2 and never.keyframes_to_reach(90) is None
    assert "mean of" not in interactive_table_markdown([reaches])


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """A data root laid out like /work/shared/data: one clip under davis2016/, one beside it."""
    root = tmp_path_factory.mktemp("data")
    for folder, squares in ((root / "davis2016" / "squares", [(10, 30, 4, 2)]), (root / "other", [(90, 20, -3, 2)])):
        scene = SlidingSquares(squares, size=32, frame_count=10)
        (folder / "frames").mkdir(parents=True)
        (folder / "masks").mkdir()
        for index in range(10):
            cv2.imwrite(str(folder / "frames" / f"{index:05d}.png"), cv2.cvtColor(scene.frame(index), cv2.COLOR_RGB2BGR))
            cv2.imwrite(str(folder / "masks" / f"{index:05d}.png"), scene.mask(index))
    return root


def test_clips_are_found_under_davis2016_or_the_root(data_root):
    assert interactive_clip_folders(data_root, ["squares", "other"]) == [
        data_root / "davis2016" / "squares", data_root / "other"]
    with pytest.raises(VideoError, match="no clip 'tennis'"):
        interactive_clip_folders(data_root, ["tennis"])
    with pytest.raises(VideoError, match="none of the clips"):
        interactive_clip_folders(data_root)


def test_the_evaluation_runs_each_clip_and_reports_progress(data_root):
    reports = []
    runs = evaluate_roto_interactive(data_root, clips=["squares", "other"], max_keyframes=2,
                                     progress=lambda done, total, message: reports.append((done, total)))
    assert [(run.clip, run.frame_count, len(run.rounds)) for run in runs] == [("squares", 10, 2), ("other", 10, 2)]
    assert reports[-1] == (4, 4) and all(done <= total for done, total in reports)


def test_the_command_prints_the_table_and_writes_its_section(data_root, tmp_path, monkeypatch, capsys):
    doc = tmp_path / "quality.md"
    doc.write_text("# Quality\n\n## Rotoscoping\n\nHow we measure.\n\n## Removal\n\nTheirs.\n")
    monkeypatch.setattr(eval_command, "QUALITY_DOC", doc)
    argv = ["eval", "--task", "roto-interactive", "--data", str(data_root), "--clips", "squares",
            "--max-keyframes", "2", "--write-docs"]
    assert main(argv) == 0
    assert "| squares | 10 |" in capsys.readouterr().out
    assert main(argv) == 0  # a second run replaces the table
    text = doc.read_text()
    assert text.count("| squares | 10 |") == 1 and text.count(eval_command.INTERACTIVE_START) == 1
    assert text.index("How we measure.") < text.index("| squares | 10 |") < text.index("## Removal")
    assert text.endswith("## Removal\n\nTheirs.\n")


def test_a_segment_propagated_again_scores_as_the_whole_clip_would(pole_rounds):
    """Refiner off, a frame's mask depends only on its neighbouring keyframes: keeping the other
    frames' masks gives the clip a whole propagation from the same keyframes gives."""
    from core.metrics import region_similarity
    from core.roto import propagate_masks

    truth, rounds = pole_rounds
    scene = PanningObjectWithPole(frame_count=FRAMES)
    last = rounds[-1]
    results = propagate_masks(frame_of=scene.frame, frame_count=FRAMES,
                              keyframes={k: truth[k] for k in last.keyframes})
    whole = [region_similarity(results[f].mask, truth[f]) for f in range(FRAMES)]
    assert whole == pytest.approx(list(last.j_per_frame))
