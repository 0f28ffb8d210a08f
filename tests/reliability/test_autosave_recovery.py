"""After a crash the autosave holds the work that was never saved; opening the project again
finds it and recovers it as unsaved changes (core side, no window; the prompt is tested in
tests/reliability/app/test_recovery_prompt.py).

Already covered: the window autosaves a snapshot beside the project without marking it saved
(tests/app/test_files_and_panels.py ``test_autosave_writes_a_snapshot_beside_the_project``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from core.errors import ProjectError
from core.project import ClipRef, load_project, new_project, save_project
from core.project.recovery import (
    autosave_beside,
    autosave_for_clip,
    recover_autosave,
    recoverable_autosave,
    set_autosave_aside,
)
from core.project_snapshot import snapshot

ROOT = Path(__file__).resolve().parents[2]


def _blob(frame: int) -> np.ndarray:
    mask = np.zeros((30, 40), np.uint8)
    mask[5:15, frame: frame + 10] = 255
    return mask


@pytest.fixture
def saved(tmp_path):
    clip = tmp_path / "shot.mp4"
    clip.write_bytes(b"stand-in")
    project = new_project(ClipRef(clip, 40, 30, 12, Fraction(25)))
    project.set_mask(1, 0, _blob(0))
    return project, save_project(project, tmp_path / "shot.keyfill")


def _age(path: Path, seconds: float) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))


CRASHING_EDITOR = r"""
import os, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
import numpy as np
from core.project import load_project, save_project
from core.project.recovery import autosave_beside
from core.project_snapshot import snapshot

project = load_project(Path(sys.argv[1]))
mask = np.zeros((30, 40), np.uint8); mask[5:15, 7:17] = 255
project.set_mask(1, 7, mask)                                # the user paints on frame 7
save_project(snapshot(project), autosave_beside(project.path))  # the autosave job runs
print("autosaved", flush=True)
os.kill(os.getpid(), 9)                                     # and the window dies unsaved
"""


def test_work_autosaved_before_a_crash_is_recovered_as_unsaved_changes(saved):
    project, path = saved
    _age(path, 60)
    crashed = subprocess.run([sys.executable, "-c", CRASHING_EDITOR, str(path), str(ROOT)],
                             capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert crashed.returncode == -signal.SIGKILL and "autosaved" in crashed.stdout
    assert load_project(path).mask_frames(1) == [0]  # the saved file knows nothing of frame 7

    autosave = recoverable_autosave(path, autosave_beside(path))
    assert autosave == path.with_name("shot.autosave.keyfill")
    recovered = recover_autosave(autosave, path)
    assert recovered.mask_frames(1) == [0, 7] and np.array_equal(recovered.mask(1, 7) > 0, _blob(7) > 0)
    assert recovered.path == path and recovered.dirty  # recovered, not yet saved
    save_project(recovered)
    assert load_project(path).mask_frames(1) == [0, 7]


def test_an_autosave_older_than_the_project_or_none_is_not_offered(saved):
    project, path = saved
    assert recoverable_autosave(path, autosave_beside(path)) is None
    autosave = save_project(snapshot(project), autosave_beside(path))
    _age(autosave, 60)  # the user saved after the last autosave
    assert recoverable_autosave(path, autosave) is None


def test_an_autosave_whose_project_file_is_gone_is_offered(saved):
    project, path = saved
    autosave = save_project(snapshot(project), autosave_beside(path))
    path.unlink()
    assert recoverable_autosave(path, autosave) == autosave


def test_a_damaged_autosave_is_a_project_error_and_the_project_is_untouched(saved):
    _, path = saved
    before = path.read_bytes()
    autosave = autosave_beside(path)
    autosave.write_bytes(b"PK\x03\x04 cut short by the crash")
    with pytest.raises(ProjectError, match="shot.autosave.keyfill is damaged"):
        recover_autosave(autosave, path)
    assert path.read_bytes() == before and load_project(path).mask_frames(1) == [0]


def test_a_never_saved_project_is_recovered_from_the_application_folder(tmp_path):
    clip = tmp_path / "shot.mp4"
    clip.write_bytes(b"stand-in")
    _age(clip, 60)
    project = new_project(ClipRef(clip, 40, 30, 12, Fraction(25)))
    project.set_mask(1, 3, _blob(3))
    folder = tmp_path / "app-data" / "autosave"
    autosave = save_project(snapshot(project), autosave_for_clip(folder, clip))
    assert autosave == folder / "shot.autosave.keyfill"
    assert recoverable_autosave(clip, autosave) == autosave
    recovered = recover_autosave(autosave, clip)
    assert recovered.path is None and recovered.dirty and recovered.mask_frames(1) == [3]


def test_an_autosave_not_recovered_is_kept_apart_from_the_next_one(saved):
    project, path = saved
    project.set_mask(1, 5, _blob(5))
    autosave = save_project(snapshot(project), autosave_beside(path))
    aside = set_autosave_aside(autosave)
    assert aside == path.with_name("shot.unrecovered.keyfill") and not autosave.exists()
    save_project(snapshot(load_project(path)), autosave_beside(path))  # the next autosave
    assert load_project(aside).mask_frames(1) == [0, 5]
