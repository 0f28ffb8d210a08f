"""The export measurement of ``main.py bench`` runs on a tiny generated clip and reports its
figures. The figures of a full run (1080p, 1000 frames) are in docs/benchmarks.md; they are not
asserted here."""

from __future__ import annotations

import av

from core.bench.export_bench import bench_export, memory_growth
from core.bench.synthetic_clip import write_synthetic_clip
from core.cli.bench_command import print_export


def test_the_export_measurement_reports_frames_speed_and_a_peak(tmp_path, capsys):
    clip = write_synthetic_clip(tmp_path / "tiny.mp4", width=64, height=48, frames=30)
    with av.open(str(clip)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"

    r = bench_export(clip)  # a spawned child, as in the benchmark

    assert r["frames"] == r["output_frames"] == 30 and r["size"] == "64x48"
    assert r["audio"] == "aac"  # the synthetic clip's audio went through the export's audio path
    assert r["fps"] > 0 and r["seconds"] > 0 and 0 <= r["fill_s"] <= r["seconds"]
    assert r["peak_rss_mib"] > 0 and r["peak_rss_mib"] >= r["rss_after_imports_mib"] > 0
    assert sorted(r["rss_mib_at"]) == [25, 50, 75, 100] and all(v > 0 for v in r["rss_mib_at"].values())

    prefix = dict(r, frames=10)  # the printer and the bound, without a second child
    growth = memory_growth(prefix, r)
    assert growth["extra_frames"] == 20 and growth["growth_mib"] == 0 and growth["bounded"]
    print_export([prefix, r], growth)
    out = capsys.readouterr().out
    assert "## Exporting a long clip" in out and "| 30 of 64x48 |" in out and ": bounded." in out


def test_memory_growing_with_the_clip_is_not_bounded():
    prefix = {"frames": 250, "size": "1920x1080", "peak_rss_mib": 1000.0}
    whole = {"frames": 1000, "size": "1920x1080", "peak_rss_mib": 1000.0 + 750 * 6}  # every frame kept
    assert not memory_growth(prefix, whole)["bounded"]
    assert memory_growth(prefix, dict(whole, peak_rss_mib=1030.0))["bounded"]
