"""Speed as ratios to decoding and re-encoding the same clip (issue 14): ``main.py bench --ratios``.

Real footage (a clip folder with a mask per frame: by default the DAVIS sequence bmx-trees in
``../shared/data``, its rider and bike as the object) is scaled to each size and encoded as an
H.264 clip, with its masks as PNGs, one black PNG (an empty mask) and the first frame's mask as the
one keyframe. Then every row runs in a fresh process (:mod:`core.bench.ratio_row`) pinned to the
given number of cores:

- ``reference``: ``main.py remove --method flow`` with the empty mask: decode and re-encode, nothing
  to remove, through the same command as the removal;
- ``flow`` / ``network``: ``main.py remove --method flow`` / ``--method network`` (the shipped
  checkpoint) with the object's masks;
- ``roto``: ``main.py roto`` from the one keyframe, default settings (clip refiner included);
- ``preview-flow`` / ``preview-network``: the window's first preview of the middle frame, on a
  project just opened (nothing cached).

Seconds are wall-clock, of the command's work after its imports (given apart as start-up); each
row's ratio is to the reference's seconds at the same size and cores (a preview's: to the
reference's seconds per frame). Peak memory is each row's process's peak resident set size.
``KEYFILL_MODEL``, ``KEYFILL_ROTO_MODEL``, ``KEYFILL_ROTO_REFINE_STEPS`` and
``KEYFILL_REFINER_MODEL`` are left out of the rows' environment: the shipped defaults are measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from core.bench.ratio_row import ROWS
from core.clip_folder import is_clip_folder, read_clip_with_masks
from core.errors import KeyfillError
from core.masks import read_mask
from core.video import open_clip

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "bmx-trees"
SAMPLE_CLIP = REPO / "resources" / "samples" / "bmx-trees.mp4"
SAMPLE_KEYFRAME = REPO / "resources" / "samples" / "bmx-trees_masks" / "00000.png"
NAMED_SIZES = {"480p": (854, 480), "1080p": (1920, 1080), "4k": (3840, 2160)}
ROW_NAMES = {
    "reference": "decode + re-encode, empty mask (`remove --method flow`): the reference",
    "flow": "`remove --method flow`",
    "network": "`remove --method network` (shipped checkpoint)",
    "roto": "`roto` from one keyframe (defaults, clip refiner included)",
    "preview-flow": "first preview of one frame, flow fill (cold)",
    "preview-network": "first preview of one frame, network (cold)",
}
DEFAULTS_ONLY = ("KEYFILL_MODEL", "KEYFILL_ROTO_MODEL", "KEYFILL_ROTO_REFINE_STEPS", "KEYFILL_REFINER_MODEL")


@dataclass(frozen=True)
class RatiosOptions:
    """What ``main.py bench --ratios`` measures: ``sizes`` ``(width, height)``, ``frames`` per clip,
    ``threads`` (cores per row), ``rows`` (of :data:`ROWS`; the reference always runs) and the
    ``source`` clip folder (None: bmx-trees from the shared data, else the bundled sample)."""

    sizes: tuple[tuple[int, int], ...] = (NAMED_SIZES["480p"], NAMED_SIZES["1080p"])
    frames: int = 24
    threads: tuple[int, ...] = ()
    rows: tuple[str, ...] = ROWS
    source: Path | None = None

    def __post_init__(self) -> None:
        if self.frames < 2:
            raise KeyfillError(f"--frames {self.frames} is too few for --ratios; give at least 2 (default 24).")
        unknown = [r for r in self.rows if r not in ROWS]
        if unknown:
            raise KeyfillError(f"Unknown row {unknown[0]!r} for --rows; use some of {','.join(ROWS)}.")
        for width, height in self.sizes:
            if width < 16 or height < 16 or width % 2 or height % 2:
                raise KeyfillError(f"Size {width}x{height} cannot be encoded; give even sizes of 16 px or more.")
        if any(t < 1 for t in self.threads):
            raise KeyfillError("--threads counts cores: give 1 or more (or 'all').")

    def measured_rows(self) -> tuple[str, ...]:
        return tuple(r for r in ROWS if r == "reference" or r in self.rows)


def parse_sizes(text: str) -> tuple[tuple[int, int], ...]:
    """``"480p,1080p,4k"`` or ``"64x48"``, comma-separated, to ``(width, height)`` pairs."""
    sizes = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part in NAMED_SIZES:
            sizes.append(NAMED_SIZES[part])
            continue
        try:
            width, height = (int(v) for v in part.split("x"))
        except ValueError:
            raise KeyfillError(f"Unknown size {part!r}; give 480p, 1080p, 4k or WIDTHxHEIGHT, comma-separated.") from None
        sizes.append((width, height))
    return tuple(sizes)


def parse_threads(text: str) -> tuple[int, ...]:
    """``"1,2,all"`` to core counts, in order, each once (``all``: the cores this process may use)."""
    counts: list[int] = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        try:
            count = available_cores() if part == "all" else int(part)
        except ValueError:
            raise KeyfillError(f"Unknown --threads value {part!r}; give core counts or 'all', e.g. 1,2,all.") from None
        if count < 1:
            raise KeyfillError(f"--threads {count}: give 1 or more cores (or 'all').")
        if count > available_cores():
            raise KeyfillError(f"--threads {count}: this machine lets Keyfill use {available_cores()} cores.")
        if count not in counts:
            counts.append(count)
    return tuple(counts)


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def bench_ratios(options: RatiosOptions, *, report: Callable[[str], None] = lambda line: None) -> list[dict]:
    """Every row at every size and core count: ``{"size", "threads", "row", "frames", "startup_s",
    "work_s", "seconds_per_frame", "frames_per_s", "ratio", "peak_rss_mib", "rss_after_imports_mib",
    "error"}`` (``error``: None, or why the row has no figures). ``report``: a line per row done."""
    threads = options.threads or (available_cores(),)
    frames, masks, keyframe, source = source_footage(options.source, options.frames)
    report(f"footage: {source}, {len(frames)} frames")
    results = []
    with tempfile.TemporaryDirectory(prefix="keyfill-ratios-") as tmp:
        for size in options.sizes:
            inputs = write_inputs(Path(tmp) / f"{size[0]}x{size[1]}", frames, masks, keyframe, size)
            for count in threads:
                for row in options.measured_rows():
                    result = run_row(row, inputs, count, Path(tmp))
                    result.update(size=size, threads=count, row=row, frames=1 if row.startswith("preview") else len(frames))
                    results.append(result)
                    figure = f"{result['work_s']:.1f} s" if result["error"] is None else f"failed: {result['error']}"
                    report(f"{size[0]}x{size[1]}, {count} cores, {row}: {figure}")
    return with_ratios(results)


def source_footage(source: Path | None, count: int) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, str]:
    """``count`` frames and masks of the source (played back and forth when it is shorter), the
    first frame's mask as the keyframe, and the source's name. Without a source: bmx-trees from the
    shared data, else the bundled sample with its first keyframe's mask moved 2 px a frame."""
    folder = Path(source) if source is not None else DEFAULT_SOURCE
    if source is not None and not is_clip_folder(folder):
        raise KeyfillError(f"'{folder}' has no frames/ and masks/ folders; give a clip folder such as {DEFAULT_SOURCE}.")
    if is_clip_folder(folder):
        frames, masks = read_clip_with_masks(folder)
        name = str(folder)
    else:
        with open_clip(SAMPLE_CLIP) as reader:
            frames = list(reader.frames())
        mask = read_mask(SAMPLE_KEYFRAME, (frames[0].shape[1], frames[0].shape[0]))
        masks = [np.roll(mask, 2 * i, axis=1) for i in range(len(frames))]
        name = f"{SAMPLE_CLIP} (its keyframe 0 mask moved 2 px a frame as the hole)"
    order = back_and_forth(len(frames), count)
    return [frames[i] for i in order], [masks[i] for i in order], masks[order[0]], name


def back_and_forth(length: int, count: int) -> list[int]:
    """``count`` frame indices of a clip of ``length`` frames played forwards, backwards, forwards..."""
    period = max(1, 2 * (length - 1))
    return [min(i % period, period - i % period) if length > 1 else 0 for i in range(count)]


def write_inputs(folder: Path, frames, masks, keyframe: np.ndarray, size: tuple[int, int]) -> dict:
    """The rows' inputs at ``size``: ``clip.mp4`` (H.264 CRF 16, 25 fps), ``masks/`` (one 0/255 PNG
    per frame), ``empty.png`` (all 0) and ``keyframes/00000.png``. Paths as strings."""
    (folder / "masks").mkdir(parents=True)
    (folder / "keyframes").mkdir()
    clip = folder / "clip.mp4"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"preset": "fast", "crf": "16"}
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(scaled(image, size)), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    for i, mask in enumerate(masks):
        cv2.imwrite(str(folder / "masks" / f"{i:05d}.png"), scaled_mask(mask, size))
    cv2.imwrite(str(folder / "keyframes" / "00000.png"), scaled_mask(keyframe, size))
    cv2.imwrite(str(folder / "empty.png"), np.zeros((size[1], size[0]), np.uint8))
    return dict(clip=str(clip), masks=str(folder / "masks"), empty_mask=str(folder / "empty.png"),
                keyframes=str(folder / "keyframes"))


def scaled(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    grow = size[0] > image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC if grow else cv2.INTER_AREA)


def scaled_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return np.where(cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR) >= 128, 255, 0).astype(np.uint8)


def run_row(row: str, inputs: dict, threads: int, tmp: Path) -> dict:
    """One row in a fresh process on ``threads`` cores: its figures, or ``error`` (the last line it
    printed) when it failed."""
    work = Path(tempfile.mkdtemp(prefix=f"{row}-{threads}-", dir=tmp))
    spec = dict(inputs, row=row, threads=threads, out=str(work), result=str(work / "result.json"))
    (work / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS_ONLY}
    env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               PYTHONPATH=os.pathsep.join([str(REPO)] + [p for p in [env.get("PYTHONPATH")] if p]))
    done = subprocess.run([sys.executable, "-m", "core.bench.ratio_row", str(work / "spec.json")], cwd=work,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result = dict(startup_s=None, work_s=None, peak_rss_mib=None, rss_after_imports_mib=None, error=None)
    if done.returncode == 0 and (work / "result.json").exists():
        result.update(json.loads((work / "result.json").read_text(encoding="utf-8")))
    else:
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        result["error"] = (lines[-1] if lines else f"exit status {done.returncode}")[:200]
    return result


def with_ratios(results: list[dict]) -> list[dict]:
    """Seconds per frame, frames per second and the ratio to the reference of the same size and
    cores (a preview: to the reference's seconds per frame) added to each row."""
    reference = {(r["size"], r["threads"]): r for r in results if r["row"] == "reference" and r["error"] is None}
    for r in results:
        r.update(seconds_per_frame=None, frames_per_s=None, ratio=None)
        if r["error"] is not None:
            continue
        r["seconds_per_frame"] = r["work_s"] / r["frames"]
        r["frames_per_s"] = r["frames"] / r["work_s"]
        ref = reference.get((r["size"], r["threads"]))
        if ref is not None:
            r["ratio"] = r["seconds_per_frame"] / ref["seconds_per_frame"]
    return results


def ratios_table_markdown(results: list[dict]) -> str:
    """The rows as one Markdown table, and, when 1080p and 4K were both measured, 4K's seconds per
    pixel against 1080p's."""
    lines = ["| size | cores | what | frames | seconds | s / frame | frames/s | × reference | peak RSS (after imports) "
             "| start-up |", "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        head = f"| {r['size'][0]}x{r['size'][1]} | {r['threads']} | {ROW_NAMES[r['row']]} | {r['frames']} |"
        if r["error"] is not None:
            lines.append(f"{head} failed: {r['error'].replace('|', '/')} | | | | | |")
            continue
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "–"
        lines.append(f"{head} {r['work_s']:.2f} | {r['seconds_per_frame']:.3f} | {r['frames_per_s']:.2f} | {ratio} | "
                     f"{r['peak_rss_mib']:.0f} MiB ({r['rss_after_imports_mib']:.0f} MiB) | {r['startup_s']:.1f} s |")
    table = "\n".join(lines) + "\n"
    per_pixel = per_pixel_lines(results)
    if per_pixel:
        table += ("\n4K against 1080p, seconds per frame per pixel (4K has 4 times the pixels; the issue's goal: "
                  "within 2x):\n\n| cores | what | 4K / 1080p per pixel |\n|---:|---|---:|\n" + "\n".join(per_pixel) + "\n")
    return table


def per_pixel_lines(results: list[dict]) -> list[str]:
    by_key = {(r["size"], r["threads"], r["row"]): r for r in results if r["error"] is None}
    hd, uhd = NAMED_SIZES["1080p"], NAMED_SIZES["4k"]
    lines = []
    for (size, threads, row), r in by_key.items():
        base = by_key.get((hd, threads, row))
        if size == uhd and base is not None:
            pixels = (uhd[0] * uhd[1]) / (hd[0] * hd[1])
            lines.append(f"| {threads} | {ROW_NAMES[row]} | "
                         f"{r['seconds_per_frame'] / base['seconds_per_frame'] / pixels:.2f}x |")
    return lines
