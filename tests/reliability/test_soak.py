"""The soak benchmark (``main.py bench --soak-only``) runs, and a short soak gives back its threads
and file descriptors. The figures of a full run are in docs/benchmarks.md; they are not asserted."""

from __future__ import annotations


def test_a_short_soak_reports_its_figures_and_gives_back_threads_and_descriptors(capsys):
    from core.bench.soak import soak
    from core.cli.bench_command import print_soak
    from core.cli.demo_command import SAMPLE_CLIP

    r = soak(SAMPLE_CLIP, scrubs=12, warmup=4, pause_every=6, edit_every=6)
    assert r["scrubs"] == 12 and r["edits"] == 2 and r["previews"] >= 3
    assert r["previews"] + r["dropped"] == 13  # every request is rendered or dropped as stale, none lost
    assert r["threads_end"] <= r["threads_warm"] and r["fds_end"] <= r["fds_warm"]
    print_soak(r)
    out = capsys.readouterr().out
    assert "## Soak: 12 random scrubs" in out and "| resident memory |" in out and "| OS threads |" in out
