"""``main.py bench``: speed and memory figures for docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

from core.cli.terminal_progress import TerminalProgress


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("bench", help="measure decoding, flow and removal speed and peak memory")
    p.add_argument("--frames", type=int, default=1000, help="length of the generated 1080p clip (default 1000)")
    p.add_argument("--scrubs", type=int, default=200, help="random seeks to time (default 200)")
    p.add_argument("--keep", help="keep the generated clip at this path instead of a temp folder")
    p.add_argument("--export-prefix", type=int, default=250, metavar="FRAMES",
                   help="also export the clip's first FRAMES frames, to compare the peak memory with the "
                        "whole clip's export (default 250)")
    p.add_argument("--skip-export", action="store_true", help="do not time exporting the long clip")
    p.add_argument("--soak", type=int, default=1000, metavar="SCRUBS",
                   help="random scrubs with preview requests in the soak test (default 1000; 0 skips it)")
    p.add_argument("--soak-only", action="store_true", help="run the soak test only")
    p.add_argument("--roto-only", action="store_true", help="time rotoscoping only (432x240 and 854x480)")
    p.add_argument("--repropagation-only", action="store_true",
                   help="time the re-propagation after a keyframe edit only (854x480)")
    p.add_argument("--removal-only", action="store_true",
                   help="time the removal only (flow fill and network at 432x240)")
    p.add_argument("--farm-only", action="store_true",
                   help="time the removal of the sample clip in one process against 2 Dask worker processes")
    p.set_defaults(run=run)


def run(args) -> int:
    print(f"# Keyfill benchmark — {machine_description()}\n")
    status = 0
    if args.roto_only:
        print("`python main.py bench --roto-only`\n")
        bench_roto()
        return 0
    if args.repropagation_only:
        print("`python main.py bench --repropagation-only`\n")
        bench_repropagation()
        return 0
    if args.removal_only:
        print("`python main.py bench --removal-only`\n")
        bench_fill()
        return 0
    if args.farm_only:
        print("`python main.py bench --farm-only`\n")
        bench_farm()
        return 0
    if args.soak_only:
        print(f"`python main.py bench --soak-only --soak {args.soak}`\n")
    else:
        export = " --skip-export" if args.skip_export else f" --export-prefix {args.export_prefix}"
        print(f"`python main.py bench --frames {args.frames} --scrubs {args.scrubs}{export} --soak {args.soak}`\n")
        status = bench_long_clip(args)
        bench_fill()
        bench_roto()
        bench_farm()
    if args.soak > 0:
        bench_soak(args.soak)
    return status


def bench_soak(scrubs: int) -> None:
    from core.bench.soak import soak
    from core.cli.demo_command import SAMPLE_CLIP

    print_soak(soak(SAMPLE_CLIP, scrubs=scrubs, progress=TerminalProgress("soak")))


def print_soak(r: dict) -> None:
    """The soak's figures (``core.bench.soak.soak``) as a Markdown section."""
    print(f"## Soak: {r['scrubs']} random scrubs with preview requests ({r['method']} fill, sample clip)\n")
    print(f"{r['clip']}; a preview requested on every scrub, waited for on every 10th, a mask edited on "
          f"every 100th: {r['previews']} previews rendered, {r['dropped']} dropped as stale, {r['edits']} edits, "
          f"{r['seconds']:.0f} s; preview {r['preview_ms_mean']:.0f} ms mean, {r['preview_ms_p95']:.0f} ms p95.\n")
    quarters = sorted((int(k.removeprefix("rss_mib_at")) for k in r if k.startswith("rss_mib_at")))
    stages = ["start", "warm"] + [f"at{n}" for n in quarters] + ["end"]
    names = ["after imports", "after 50 scrubs (warm)"] + [f"after {n}" for n in quarters] + ["after the last"]
    print("| | " + " | ".join(names) + " | change warm -> last |")
    print("|---" * (len(names) + 2) + "|")
    for key, name, unit in (("rss_mib", "resident memory", " MiB"), ("threads", "OS threads", ""),
                            ("fds", "open file descriptors", "")):
        values = [r[f"{key}_{stage}"] for stage in stages]
        change = values[-1] - values[1]
        print(f"| {name} | " + " | ".join(f"{v:.0f}{unit}" for v in values) + f" | {change:+.0f}{unit} |")
    print(f"\nPeak resident memory: {r['peak_rss_mib']:.0f} MiB.\n")


def machine_description() -> str:
    """CPU model and architecture, cores, memory, GPU and Python, in one line."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _memory_gib()
    return (
        f"{_cpu_model()} ({platform.machine()}), {cores} cores, "
        + (f"{memory:.1f} GiB RAM, " if memory else "")
        + f"{gpu}, Python {platform.python_version()}"
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def bench_long_clip(args) -> int:
    """Generate the 1080p clip, time opening and scrubbing it, then exporting it (unless
    ``--skip-export``). Returns 1 when the export's peak memory grew with the clip's length."""
    from core.bench.synthetic_clip import write_synthetic_clip
    from core.bench.video_bench import bench_scrubbing

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "bench_1080p.mp4"
        if not path.exists():
            write_synthetic_clip(path, frames=args.frames, progress=TerminalProgress("generating 1080p clip"))
        r = bench_scrubbing(path, scrubs=args.scrubs)
        print_scrubbing(r, args.scrubs)
        return 0 if args.skip_export else bench_long_export(path, args.export_prefix)


def bench_long_export(path: Path, prefix_frames: int) -> int:
    """Export a prefix of ``path`` and then all of it, each in its own child; print the section."""
    from core.bench.export_bench import bench_export, memory_growth

    runs = []
    if 0 < prefix_frames:
        runs.append(bench_export(path, frames=prefix_frames))
    whole = bench_export(path)
    if runs and runs[0]["frames"] < whole["frames"]:
        growth = memory_growth(runs[0], whole)
        runs.append(whole)
    else:
        growth, runs = None, [whole]
    print_export(runs, growth)
    if growth is not None and not growth["bounded"]:
        print(f"keyfill: bench: the export's peak memory grew by {growth['growth_mib']:.0f} MiB from "
              f"{runs[0]['frames']} to {whole['frames']} frames: frames are being kept.")
        return 1
    return 0


def print_export(runs: list[dict], growth: dict | None) -> None:
    """The export figures (``core.bench.export_bench``) as a Markdown section."""
    last = runs[-1]
    audio = f" + the source's {last['audio']} audio copied" if last["audio"] else ", no audio"
    print(f"## Exporting a long clip (decoded frames, a Telea-filled box, H.264 CRF 18{audio})\n")
    print("| frames exported | export | of which decode + Telea / encode + mux | RSS at 25 / 50 / 75 / 100 % "
          "| peak RSS (after imports) | output |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        marks = " / ".join(f"{r['rss_mib_at'][q]:.0f}" if q in r["rss_mib_at"] else "-" for q in (25, 50, 75, 100))
        print(
            f"| {r['frames']} of {r['size']} | {r['fps']:.1f} frames/s ({r['seconds']:.0f} s) | "
            f"{r['fill_s']:.0f} s / {r['encode_s']:.0f} s | {marks} MiB | "
            f"{r['peak_rss_mib']:.0f} MiB ({r['rss_after_imports_mib']:.0f} MiB), cache bound {r['cache_mib']:.0f} MiB | "
            f"{r['output_frames']} frames, {r['output_mib']:.0f} MiB |"
        )
    print()
    if growth is not None:
        verdict = "bounded" if growth["bounded"] else "NOT bounded"
        print(f"Peak RSS from {runs[0]['frames']} to {last['frames']} frames: {growth['growth_mib']:+.0f} MiB; "
              f"the {growth['extra_frames']} extra frames would be {growth['extra_frames_mib']:.0f} MiB as RGB: "
              f"{verdict}.\n")


def print_scrubbing(r: dict, scrubs: int) -> None:
    print(f"## Opening and scrubbing a long clip ({scrubs} random frames, then 200 in order)\n")
    print("| clip | open | random access / frame (mean, p95) | sequential decode | peak RSS while scrubbing (after imports) |")
    print("|---|---|---|---|---|")
    print(
        f"| {r['size']}, {r['frames']} frames, H.264 | {r['open_s']*1000:.0f} ms | "
        f"{r['random_ms_mean']:.0f} ms, {r['random_ms_p95']:.0f} ms | {r['sequential_fps']:.0f} fps | "
        f"{r['peak_rss_mib']:.0f} MiB ({r['rss_after_imports_mib']:.0f} MiB), cache bound {r['cache_mib']:.0f} MiB |\n"
    )


def bench_roto() -> None:
    from core.bench.roto_bench import roto_speed
    from core.cli.demo_command import SAMPLE_CLIP
    from core.roto.matte_model import find_matte_model

    model = find_matte_model(notice=lambda message: print(message + "\n"))
    rows = roto_speed(SAMPLE_CLIP, SAMPLE_CLIP.parent / "bmx-trees_masks", matte_model=model)
    print("## Rotoscoping: seconds per propagated frame (sample clip, keyframes 0, 20, 40, 60, 79; flow included)\n")
    print("| size | method | frames | s / frame | clip refiner training (once) |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        training = f"{r['training_seconds']:.1f} s" if r["training_seconds"] else "–"
        print(f"| {r['size'][0]}x{r['size'][1]} | {r['method']} | {r['frames']} | {r['seconds_per_frame']:.3f} "
              f"| {training} |")
    print()
    bench_repropagation()


def bench_repropagation() -> None:
    from core.bench.repropagation_bench import sample_repropagation
    from core.cli.demo_command import SAMPLE_CLIP
    from core.roto.options import refine_steps

    print("## Re-propagation after a keyframe edit (sample clip at 854x480, keyframes 0, 20, 60, 79, then 40 "
          "painted)\n")
    print("| clip refiner | frames propagated again | whole clip, flows computed (before) | only the segment, "
          "cached flows (now) | flow pairs computed |")
    print("|---|---:|---:|---:|---:|")
    for steps in (0, refine_steps()):
        r = sample_repropagation(SAMPLE_CLIP, SAMPLE_CLIP.parent / "bmx-trees_masks", refine_steps=steps)
        print(f"| {'off' if not steps else f'{steps} steps, warm-started'} | {r['segment_frames']} | "
              f"{r['whole_s']:.1f} s ({r['whole_cpu_s']:.1f} s CPU) | {r['segment_s']:.1f} s "
              f"({r['segment_cpu_s']:.1f} s CPU) | {r['segment_pairs_computed']} |")
    print()


def bench_fill() -> None:
    from core.cli.demo_command import SAMPLE_CLIP
    from core.fill import FlowFill, telea_fill
    from core.flow import FlowField, compute_flow
    from core.video import open_clip

    shared_masks = Path(__file__).resolve().parents[3] / "shared" / "data" / "tennis" / "masks"
    with open_clip(SAMPLE_CLIP) as reader:
        info = reader.info
        frames = [reader.frame(i) for i in range(40)]
    masks = _borrowed_masks(shared_masks, (info.width, info.height), 40)
    t0 = time.perf_counter()
    for i in range(10):
        compute_flow(frames[i], frames[i + 1])
    flow_ms = (time.perf_counter() - t0) / 10 * 1000
    t0 = time.perf_counter()
    for i in range(10):
        telea_fill(frames[i], masks[i])
    telea_ms = (time.perf_counter() - t0) / 10 * 1000
    fill = FlowFill(frames.__getitem__, masks.__getitem__, 40, flow=FlowField(frames.__getitem__, 40))
    t0 = time.perf_counter()
    for _ in fill.fill_clip(start=0, stop=40):
        pass
    clip_fps = 40 / (time.perf_counter() - t0)
    fill = FlowFill(frames.__getitem__, masks.__getitem__, 40, flow=FlowField(frames.__getitem__, 40))
    t0 = time.perf_counter()
    fill.fill_frame(20)
    on_demand_s = time.perf_counter() - t0
    print("## Classical fill at 432x240 (sample clip, moving mask borrowed from tennis)\n")
    print("| DIS flow / pair | Telea / frame | flow fill, one frame on demand (cold) | flow fill, whole clip |")
    print("|---|---|---|---|")
    print(f"| {flow_ms:.0f} ms | {telea_ms:.0f} ms | {on_demand_s:.2f} s | {clip_fps:.2f} frames/s |\n")
    bench_network(frames, masks)


def bench_network(frames, masks) -> None:
    """The removal network that corrects the flow fill: one frame on demand (cold: flows, fill and
    keyframe encodings computed; warm: the next frame) and a whole clip, on the same frames."""
    from core.eval.removal_eval import CompletionCase
    from core.model import build_model
    from core.render.network_clip_renderer import NetworkClipRenderer
    from core.render.model_finder import find_removal_model
    from core.render.network_renderer import NetworkRenderer

    model = find_removal_model(notice=lambda message: None)
    name = "shipped checkpoint" if model is not None else "untrained cpu preset (the same work)"
    net = model if model is not None else build_model("cpu").eval()
    project = CompletionCase("bench", frames, masks).project()
    renderer = NetworkRenderer(project, frames.__getitem__, net)
    t0 = time.perf_counter()
    renderer.render_frame(20)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    renderer.render_frame(21)
    warm = time.perf_counter() - t0
    render = NetworkClipRenderer(NetworkRenderer(project, frames.__getitem__, net))
    t0 = time.perf_counter()
    for _ in render.frames(0, 40):
        pass
    clip_fps = 40 / (time.perf_counter() - t0)
    print(f"## Removal network at 432x240 ({name}; same clip and masks)\n")
    print("| one frame on demand (cold) | the next frame | whole clip |")
    print("|---|---|---|")
    print(f"| {cold:.2f} s | {warm:.2f} s | {clip_fps:.2f} frames/s |\n")


def bench_farm() -> None:
    from core.bench.farm_bench import farm_speed
    from core.cli.demo_command import SAMPLE_CLIP
    from core.video import probe

    info = probe(SAMPLE_CLIP)
    shared_masks = Path(__file__).resolve().parents[3] / "shared" / "data" / "tennis" / "masks"
    masks = _borrowed_masks(shared_masks, (info.width, info.height), info.frame_count)
    masks += masks[-1:] * (info.frame_count - len(masks))
    rows = farm_speed(SAMPLE_CLIP, masks)
    print(f"## Removal on Dask against one process ({info.width}x{info.height}, {info.frame_count} frames: "
          f"{-(-info.frame_count // 20)} chunks; flow fill, mask borrowed from tennis)\n")
    print("| how | processes | seconds | frames/s | cluster start |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        start = f"{r['start_seconds']:.1f} s" if r["start_seconds"] is not None else "included" if r["workers"] > 1 else "–"
        print(f"| {r['how']} | {r['workers']} | {r['seconds']:.1f} | {r['frames'] / r['seconds']:.2f} | {start} |")
    print()


def _borrowed_masks(folder: Path, size, count: int):
    import cv2
    import numpy as np

    files = sorted(folder.glob("*.png"))[:count]
    if not files:  # outside the dev tree: a moving box instead
        masks = []
        for i in range(count):
            m = np.zeros((size[1], size[0]), np.uint8)
            m[80:160, 50 + 3 * i : 130 + 3 * i] = 255
            masks.append(m)
        return masks
    return [cv2.resize(cv2.imread(str(f), cv2.IMREAD_GRAYSCALE), size, interpolation=cv2.INTER_NEAREST) for f in files]
