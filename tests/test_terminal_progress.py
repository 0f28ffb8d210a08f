"""One progress bar over a command's stages (main.py remove, main.py roto): the overall fraction
never goes back, and the ETA comes from the rates measured so far, not from a stage restarting at
1/117 with an ETA of 25006 s."""

from __future__ import annotations

import io

import numpy as np
import pytest

from core.cli.terminal_progress import StagedEstimate, TerminalProgress, clip_progress
from core.progress import StagedProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


REMOVE_STAGES = [("rotoscoping", 48), ("removing", 24), ("mattes", 1.6)]  # weights of rotoscoping,
# removing and writing the mattes of 80 frames (0.6, 0.3 and 0.02 s a frame)


def run_stages(timeline, stages=REMOVE_STAGES) -> tuple[StagedEstimate, list]:
    """A new estimate over ``stages`` on a fake clock, fed ``timeline``: ``[(stage, units, seconds
    per unit, restarts)]``, one report per unit; ``restarts``: the stage's count starts over that
    many times (phases inside one stage). Returns the estimate and ``[(time, fraction,
    seconds_left)]`` after each report."""
    clock = FakeClock()
    estimate = StagedEstimate(stages, clock)
    seen = []
    for stage, units, per_unit, restarts in timeline:
        for _ in range(restarts + 1):
            for done in range(1, units + 1):
                clock.now += per_unit
                estimate.report(stage, done, units)
                seen.append((clock.now, estimate.fraction, estimate.seconds_left()))
    return estimate, seen


def test_the_overall_fraction_never_goes_back_and_ends_at_one():
    estimate, seen = run_stages([("rotoscoping", 80, 0.5, 2), ("removing", 80, 0.2, 0), ("mattes", 80, 0.01, 0)])
    fractions = [fraction for _, fraction, _ in seen]
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert fractions[-1] == pytest.approx(1.0)
    estimate.report("removing", 3, 80)  # a late report of an ended stage
    assert estimate.fraction == pytest.approx(1.0)


def test_the_eta_is_the_measured_rate_applied_to_what_is_left():
    # a machine twice as slow as the weights say: the scale is measured, the weights give the shape
    _, seen = run_stages([("rotoscoping", 80, 1.2, 0), ("removing", 80, 0.6, 0), ("mattes", 80, 0.04, 0)])
    end = seen[-1][0]
    assert seen[0][2] is None, "no ETA from the first report alone"
    for now, fraction, left in seen:
        if fraction > 0.05:
            assert left == pytest.approx(end - now, rel=0.1, abs=1.0), (now, fraction)


def test_the_eta_is_never_absurd_when_the_stages_surprise():
    # rotoscoping 2x slower than its weight, removing 2x faster: the rest is overestimated while only
    # rotoscoping has been measured, then each stage is timed at its own rate
    _, seen = run_stages([("rotoscoping", 80, 1.2, 0), ("removing", 80, 0.15, 0), ("mattes", 80, 0.02, 0)])
    end = seen[-1][0]
    for now, fraction, left in seen:
        if left is not None:
            assert left < 4 * (end - now) + 5, (now, left, end - now)  # at most the stages' surprise (4x)
    removing = [(now, left) for now, _, left in seen if 96 < now < 108]
    assert all(abs(left - (end - now)) < 2 for now, left in removing[8:]), "the second stage at its own rate"


def test_a_stage_skipped_counts_as_done_and_took_no_time():
    clock = FakeClock()
    estimate = StagedEstimate([("rotoscoping", 10), ("removing", 10)], clock)
    clock.now = 5
    estimate.report("removing", 5, 10)
    assert estimate.fraction == pytest.approx(0.75)
    left = estimate.seconds_left()
    assert left == pytest.approx(5)


def test_the_bar_draws_one_line_over_the_stages(tmp_path):
    clock = FakeClock()
    stream = io.StringIO()  # not a terminal: a line per redraw, at most once a second
    bar = TerminalProgress("remove", stream, stages=[("removing", 24), ("mattes", 1.6)], clock=clock)
    removing, mattes = bar.stage("removing"), bar.stage("mattes")
    for done in range(1, 81):
        clock.now += 0.2
        removing(done, 80, f"Filled frame {done}")
    for done in range(1, 81):
        clock.now += 0.01
        mattes(done, 80, f"Wrote matte {done}")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("remove [") and " removing 1/80" in lines[0]
    assert lines[-1].startswith("remove [" + "#" * 30 + "] 100% mattes 80/80")
    percents = [int(line.split("]")[1].split("%")[0]) for line in lines]
    assert percents == sorted(percents) and percents[-1] == 100
    assert any("ETA" in line for line in lines) and len(lines) < 30, "one line a second, not a flood"


def test_a_bar_without_stages_starts_over_with_a_phase_that_starts_over():
    clock = FakeClock()
    stream = io.StringIO()
    bar = TerminalProgress("training", stream, clock=clock)
    for done in range(1, 101):
        clock.now += 1.0  # a slow first phase
        bar(done, 100, "examples")
    for done in range(1, 11):
        clock.now += 0.1  # a fast second one
        bar(done, 10, "steps")
    lines = stream.getvalue().splitlines()
    assert " 100/100" in lines[-2] and lines[-1].startswith("training [" + "#" * 30 + "] 10/10")
    etas = [line for line in stream.getvalue().splitlines() if "/10 " in line and "ETA" in line]
    assert all(float(line.split("ETA ")[1].split("s")[0]) < 5 for line in etas), "no time of the first phase"


def test_clip_progress_weights_the_commands_stages():
    bar = clip_progress("remove", 80, ["rotoscoping", "removing", "mattes"])
    weights = bar.estimate.weights
    assert list(weights) == ["rotoscoping", "removing", "mattes"]
    assert weights["rotoscoping"] > weights["removing"] > weights["mattes"] > 0
    network = clip_progress("remove", 80, ["removing"], removing=0.3).estimate.weights
    assert network["removing"] == pytest.approx(24)


def test_staged_progress_is_monotonic_and_exact_for_one_stage():
    calls = []
    staged = StagedProgress(lambda d, t, m: calls.append((d, t)), {"learn": 0, "carry": 7, "adapt": 0, "refine": 0})
    for done in range(1, 8):
        staged.stage("carry")(done, 7, "")
    assert calls == [(d, 7) for d in range(1, 8)], "one stage: its own counts, exactly"
    calls.clear()
    staged = StagedProgress(lambda d, t, m: calls.append((d, t)), {"learn": 40, "carry": 20, "adapt": 10, "refine": 5})
    for stage, total in (("learn", 10), ("carry", 4), ("adapt", 3), ("refine", 5)):
        for done in range(1, total + 1):
            staged.stage(stage)(done, total, "")
    staged.stage("carry")(1, 4, "")  # late and low: the count stays
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and calls[-1] == (75, 75)
    calls.clear()
    skipped = StagedProgress(lambda d, t, m: calls.append((d, t)), {"learn": 40, "carry": 20})
    skipped.stage("carry")(20, 20, "")
    assert calls == [(60, 60)], "a stage that had nothing to do counts as done"
    skipped.finish()
    assert calls == [(60, 60)]


def test_propagation_with_the_clip_refiner_reports_one_rising_count():
    from core.roto import RotoOptions, propagate_masks
    from tests.roto_scenes import SlidingSquares

    clip = SlidingSquares([(20, 40, 5, 1)], size=40, frame_count=8)
    reports = []
    propagate_masks(clip.frame, clip.frame_count, {0: clip.mask(0), 7: clip.mask(7)},
                    options=RotoOptions(refine_steps=6),
                    progress=lambda done, total, message: reports.append((done, total, message)))
    counts = [done for done, _, _ in reports]
    assert counts == sorted(counts), "learning, carrying, adapting and refining: one count that never goes back"
    assert len({total for _, total, _ in reports}) == 1 and reports[-1][0] == reports[-1][1]
    messages = " ".join(message for _, _, message in reports)
    assert "keyframes" in messages and "Propagating masks" in messages and "Refining outlines" in messages
    assert np.isfinite(counts[-1])
