"""kill -9 in the middle of saving a project: the file on disk is always a whole old or a whole new
version, and it loads. (A power cut is the same case, plus the fsyncs in core/atomic_write.py.)

A child process saves a 3 MB project over and over (~0.1 s per save, so it is saving nearly all
the time), each version naming itself; the test kills it at random moments, then loads the file.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from core.project import load_project

ROOT = Path(__file__).resolve().parents[2]
KILLS = 5

CHILD = r"""
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, sys.argv[2])
from core.project import ClipRef, new_project, save_project
from tests.reliability.test_kill_during_save import variant_masks

path = Path(sys.argv[1])
variants = [variant_masks(0), variant_masks(1)]
version = int(sys.argv[3])
while True:
    project = new_project(ClipRef(Path("clip.mp4"), 640, 360, 60, Fraction(25)), [f"version {version}"])
    for frame, mask in enumerate(variants[version % 2]):
        project.set_mask(1, frame, mask)
    save_project(project, path)
    print(f"saved {version}", flush=True)
    version += 1
"""


def variant_masks(which: int) -> list[np.ndarray]:
    """60 noise masks of 640x360 (noise keeps the PNGs big, so a save takes a while)."""
    rng = np.random.default_rng(which)
    return [((rng.random((360, 640)) > 0.5) * 255).astype(np.uint8) for _ in range(60)]


def test_a_project_killed_while_saving_is_the_old_or_the_new_version(tmp_path):
    path = tmp_path / "p.keyfill"
    variants = [variant_masks(0), variant_masks(1)]
    rng = random.Random(1234)
    version = 0
    interrupted_saves = 0
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(ROOT), str(version)],
                                 stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            assert child.stdout.readline().startswith("saved"), "the child never saved"
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        saved_lines = [line for line in child.stdout.read().splitlines() if line.startswith("saved")]
        child.stdout.close()
        leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        interrupted_saves += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()  # a kill leaves the temporary file; the next one must be the new one's

        project = load_project(path)  # never a ProjectError: whole, and readable
        name = project.objects[0].name
        saved = int(name.removeprefix("version "))
        last_reported = version + len(saved_lines)  # the first "saved" line was read above
        assert saved in (last_reported, last_reported + 1), (name, last_reported)
        for frame in (0, 31, 59):
            assert np.array_equal(project.mask(1, frame), variants[saved % 2][frame]), (name, frame)
        version = saved + 1
    assert interrupted_saves >= 2, "the kills missed every save: the test proved nothing"


def test_the_next_save_removes_what_a_killed_save_left_but_not_a_live_writers_file(tmp_path):
    from core.atomic_write import STALE_PART_SECONDS, write_bytes_atomic

    path = tmp_path / "p.keyfill"
    stale = tmp_path / ".p.keyfill.abc123.keyfill.part"
    live = tmp_path / ".p.keyfill.def456.keyfill.part"
    other = tmp_path / ".q.keyfill.abc123.keyfill.part"  # another file's: not ours to touch
    for part in (stale, live, other):
        part.write_bytes(b"half a project")
    old = time.time() - STALE_PART_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_bytes_atomic(path, b"whole")
    assert path.read_bytes() == b"whole"
    assert not stale.exists() and live.exists() and other.exists()
