"""``main.py bench --ratios`` (core/bench/ratios_bench.py): each row in a process of its own, its
seconds as a ratio to decoding and re-encoding the same clip, one Markdown table."""

import re

import pytest

from core.bench.ratio_row import row_argv
from core.bench.ratios_bench import (NAMED_SIZES, ROW_NAMES, ROWS, RatiosOptions, back_and_forth, parse_sizes,
                                     parse_threads, ratios_table_markdown, with_ratios)
from core.cli import bench_command
from core.cli.main import main
from core.errors import KeyfillError


def test_every_row_is_a_ratio_to_the_reference_of_its_size_and_cores():
    def row(size, threads, name, seconds, frames=24):
        return dict(size=size, threads=threads, row=name, frames=frames, work_s=seconds, startup_s=2.0,
                    peak_rss_mib=900.0, rss_after_imports_mib=500.0, error=None)

    hd, uhd = NAMED_SIZES["1080p"], NAMED_SIZES["4k"]
    results = with_ratios([
        row(hd, 1, "reference", 12.0), row(hd, 1, "flow", 36.0), row(hd, 1, "preview-flow", 1.5, frames=1),
        row(uhd, 1, "reference", 48.0), row(uhd, 1, "flow", 240.0),
        dict(row(hd, 1, "network", None), error="keyfill: error: no checkpoint"),
    ])
    ratios = {(r["size"], r["row"]): r["ratio"] for r in results}
    assert ratios[hd, "reference"] == 1.0
    assert ratios[hd, "flow"] == pytest.approx(3.0)
    assert ratios[hd, "preview-flow"] == pytest.approx(3.0), "a preview against the reference's seconds per frame"
    assert ratios[uhd, "flow"] == pytest.approx(5.0)
    assert ratios[hd, "network"] is None
    table = ratios_table_markdown(results)
    assert "| 1920x1080 | 1 | `remove --method flow` | 24 | 36.00 | 1.500 | 0.67 | 3.00x | 900 MiB (500 MiB) | 2.0 s |" in table
    assert "failed: keyfill: error: no checkpoint" in table
    assert "| 1 | `remove --method flow` | 1.67x |" in table  # 4K: 10 s a frame against 1.5 s, 4 times the pixels


def test_rows_run_the_commands_a_user_runs():
    spec = dict(clip="c.mp4", masks="m", empty_mask="e.png", keyframes="k", out="o")
    assert row_argv(dict(spec, row="reference")) == ["remove", "c.mp4", "--masks", "e.png", "--method", "flow",
                                                      "-o", "o/clean.mp4", "-y"]
    assert row_argv(dict(spec, row="network"))[2:6] == ["--masks", "m", "--method", "network"]
    assert row_argv(dict(spec, row="roto")) == ["roto", "c.mp4", "--keyframes", "k", "-o", "o/masks", "-y"]


def test_sizes_cores_and_frames_are_checked():
    assert parse_sizes("480p, 1080p,4K,64x48") == ((854, 480), (1920, 1080), (3840, 2160), (64, 48))
    assert parse_threads("1,1,all")[0] == 1 and len(set(parse_threads("1,1,all"))) == len(parse_threads("1,1,all"))
    assert back_and_forth(3, 6) == [0, 1, 2, 1, 0, 1]
    for bad in (lambda: parse_sizes("hd"), lambda: parse_threads("0"), lambda: parse_threads("two"),
                lambda: RatiosOptions(frames=1), lambda: RatiosOptions(sizes=((65, 48),)),
                lambda: RatiosOptions(rows=("flow", "paint"))):
        with pytest.raises(KeyfillError):
            bad()
    assert RatiosOptions(rows=("flow",)).measured_rows() == ("reference", "flow")
    assert set(ROW_NAMES) == set(ROWS)


def test_bench_ratios_prints_the_table_and_writes_it_into_the_docs(tmp_path, monkeypatch, capsys):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{bench_command.RATIOS_HEADING}\n\nWhat it measures.\n\n## Soak\n\nkept\n")
    monkeypatch.setattr(bench_command, "BENCH_DOC", doc)
    status = main(["bench", "--ratios", "--sizes", "64x48", "--frames", "3", "--threads", "1",
                   "--rows", "flow,preview-flow", "--write-docs"])
    out = capsys.readouterr().out
    assert status == 0, out
    rows = [line for line in out.splitlines() if line.startswith("| 64x48 | 1 |")]
    assert [line.split(" | ")[2] for line in rows] == [ROW_NAMES[r] for r in ("reference", "flow", "preview-flow")]
    ratios = [float(re.search(r"\| ([0-9.]+)x \|", line).group(1)) for line in rows]
    assert ratios[0] == 1.0 and all(ratio > 0 for ratio in ratios)
    written = doc.read_text()
    assert bench_command.RATIOS_START in written and rows[1] in written
    assert written.index(bench_command.RATIOS_END) < written.index("## Soak") and written.endswith("kept\n")
