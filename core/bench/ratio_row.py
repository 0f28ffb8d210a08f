"""One row of ``main.py bench --ratios``, in a process of its own: ``python -m core.bench.ratio_row SPEC.json``.

A fresh process per row, so that its peak resident memory is the row's own and nothing (flows,
decoded frames, a loaded checkpoint) is left warm by the row before. The spec (written by
:mod:`core.bench.ratios_bench`) names the row, the inputs and the cores; the row runs what a user
runs: ``main.py remove`` / ``main.py roto`` through ``core.cli.main.main``, or the window's first
preview of one frame (``RemovalRenderer.render_frame`` on a project just opened, nothing cached).

Written to ``spec["result"]`` as JSON: ``startup_s`` (importing the commands, as ``python main.py``
does before any work: PyTorch, OpenCV, PyAV), ``work_s`` (wall seconds of the command itself, or of
the preview), ``rss_after_imports_mib`` and ``peak_rss_mib`` (peak resident set size of this
process, MiB, :func:`core.bench.memory.peak_rss_mib`: its own, not the parent's).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from core.bench.memory import peak_rss_mib

ROWS = ("reference", "flow", "network", "roto", "preview-flow", "preview-network")


def main(spec_path: str) -> int:
    began = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    limit_cores(spec["threads"])
    from core.cli.main import build_parser, main as command

    build_parser()  # every subcommand's module, as main.py imports them before parsing
    imported = time.perf_counter()
    rss_after_imports = peak_rss_mib()
    row = spec["row"]
    if row.startswith("preview-"):
        work = first_preview(spec, method=row.removeprefix("preview-"))
    else:
        status = command(row_argv(spec))
        if status != 0:
            return status
        work = time.perf_counter() - imported
    result = dict(startup_s=imported - began, work_s=work, rss_after_imports_mib=rss_after_imports,
                  peak_rss_mib=peak_rss_mib())
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


def row_argv(spec: dict) -> list[str]:
    """``main.py`` arguments of a command row: the reference is the flow fill's command on an empty mask."""
    row, out = spec["row"], Path(spec["out"])
    if row == "roto":
        return ["roto", spec["clip"], "--keyframes", spec["keyframes"], "-o", str(out / "masks"), "-y"]
    method = {"reference": "flow", "flow": "flow", "network": "network"}[row]
    masks = spec["empty_mask"] if row == "reference" else spec["masks"]
    return ["remove", spec["clip"], "--masks", masks, "--method", method, "-o", str(out / "clean.mp4"), "-y"]


def first_preview(spec: dict, *, method: str) -> float:
    """Seconds from a renderer made on a project just opened to its first cleaned frame (the middle
    one), nothing cached: what the window's preview does when the user stops on a frame."""
    from core.project.from_clip import project_with_masks
    from core.render import RemovalOptions
    from core.render.removal_renderer import RemovalRenderer
    from core.video import open_clip

    with open_clip(spec["clip"]) as reader:
        project = project_with_masks(reader.info, spec["masks"], every_frame=True)
        began = time.perf_counter()
        renderer = RemovalRenderer(project, reader.frame, RemovalOptions(method))
        renderer.render_frame(reader.info.frame_count // 2)
        seconds = time.perf_counter() - began
        renderer.close()
    return seconds


def limit_cores(count: int) -> None:
    """Run on ``count`` cores: the process pinned to the first ``count`` of those it may use (so
    x264's and FFmpeg's own threads follow too, where the OS allows it), OpenCV's and PyTorch's
    pools sized to match (OpenMP's and the BLAS libraries' by the environment the parent set)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:count])
    import cv2
    import torch

    cv2.setNumThreads(count)
    torch.set_num_threads(count)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
