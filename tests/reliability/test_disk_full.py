"""A disk that fills up (or a write refused) in the middle of a save or an export: a one-line
error that names the file and the fix, nothing half-written at the destination, the previous
file untouched, and the project in memory unchanged (still unsaved).

Two ways to fail: ``OSError(ENOSPC)`` injected into the writer part-way (what a full disk gives),
and a real write failure from the kernel, in a child process whose file size limit
(``RLIMIT_FSIZE``) is below what it writes (root ignores permissions, not this limit).
Already covered: tests/export/test_export.py ``test_full_disk_names_the_path_and_the_fix_and_leaves_nothing``
(the encoder replaced wholesale) and ``test_read_only_folder_raises_export_error`` (skipped as root).
"""

from __future__ import annotations

import errno
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.errors import ExportError, MaskError, ProjectError
from core.export import export_clip, export_mattes
from core.masks import write_mask
from core.project import ClipRef, load_project, new_project, save_project

ROOT = Path(__file__).resolve().parents[2]


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _after(calls: int, fail):
    """A stand-in that lets ``calls`` calls through to ``real`` and then fails."""
    def wrap(real):
        count = 0

        def patched(*args, **kwargs):
            nonlocal count
            count += 1
            if count > calls:
                fail()
            return real(*args, **kwargs)
        return patched
    return wrap


def _project(tmp_path: Path, frames: int = 12):
    project = new_project(ClipRef(tmp_path / "clip.mp4", 64, 48, frames, Fraction(25)))
    rng = np.random.default_rng(0)
    for frame in range(frames):
        project.set_mask(1, frame, rng.random((48, 64)) > 0.5)
    return project


def _info(frames: int) -> SimpleNamespace:
    return SimpleNamespace(path=Path("clip.mp4"), width=64, height=48, frame_rate=Fraction(25),
                           frame_count=frames, audio_streams=(), is_image_sequence=False)


def test_save_on_a_full_disk_keeps_the_previous_file_and_the_project_unsaved(tmp_path, monkeypatch):
    project = _project(tmp_path)
    path = save_project(project, tmp_path / "p.keyfill")
    before = path.read_bytes()
    project.set_mask(1, 0, np.zeros((48, 64), np.uint8))  # an edit not yet saved
    revision, saved_revision = project.revision, project.saved_revision
    monkeypatch.setattr(zipfile.ZipFile, "writestr", _after(5, _disk_full)(zipfile.ZipFile.writestr))
    with pytest.raises(ProjectError) as caught:
        save_project(project)
    message = str(caught.value)
    assert str(path) in message and "No space left on device" in message
    assert "free some disk space or save elsewhere" in message and "\n" not in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.keyfill"]  # no temporary file left
    assert (project.revision, project.saved_revision, project.path) == (revision, saved_revision, path)
    assert project.dirty and project.mask(1, 0).max() == 0
    monkeypatch.undo()
    save_project(project)  # space freed: the same project saves
    assert load_project(path).mask(1, 0).max() == 0


def test_clip_export_on_a_full_disk_midway_leaves_nothing(tmp_path, monkeypatch):
    from core.export import clip_writer

    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"the previous export")
    monkeypatch.setattr(clip_writer, "check_image", _after(5, _disk_full)(clip_writer.check_image))
    frames = [np.full((48, 64, 3), i * 10, np.uint8) for i in range(12)]
    with pytest.raises(ExportError, match=f"Cannot write {dest}: the disk is full; free some space"):
        export_clip(frames, _info(12), dest, overwrite=True)
    assert dest.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_matte_export_on_a_full_disk_midway_leaves_the_previous_folder(tmp_path, monkeypatch):
    import cv2

    from core.export import matte_writer

    dest = tmp_path / "mattes"
    dest.mkdir()
    (dest / "00000.png").write_bytes(b"previous")
    # OpenCV says only "False" when a write fails; the writer turns that into an OSError
    monkeypatch.setattr(matte_writer.cv2, "imwrite", _fails_after(4, cv2.imwrite))
    with pytest.raises(ExportError, match="Cannot write the mattes to .*mattes.*enough free space"):
        export_mattes([np.zeros((48, 64), np.uint8)] * 12, _info(12), dest, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["mattes"]
    assert [p.name for p in dest.iterdir()] == ["00000.png"] and (dest / "00000.png").read_bytes() == b"previous"


def _fails_after(calls: int, real):
    count = 0

    def imwrite(*args, **kwargs):
        nonlocal count
        count += 1
        return False if count > calls else real(*args, **kwargs)
    return imwrite


def test_mask_written_on_a_full_disk_is_a_mask_error(tmp_path, monkeypatch):
    from core import atomic_write

    monkeypatch.setattr(atomic_write, "_fsync_file", lambda path: _disk_full())
    with pytest.raises(MaskError, match="cannot be written \\(No space left on device\\); choose a writable folder"):
        write_mask(tmp_path / "m.png", np.zeros((4, 4), np.uint8))
    assert list(tmp_path.iterdir()) == []


REAL_FAILURE = r"""
import resource, sys
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
sys.path.insert(0, sys.argv[2])
import numpy as np
from core.errors import KeyfillError
from core.export import export_clip, export_mattes
from core.project import ClipRef, new_project, save_project

folder = Path(sys.argv[1])
rng = np.random.default_rng(0)
project = new_project(ClipRef(folder / "clip.mp4", 320, 240, 40, Fraction(25)))
for frame in range(40):
    project.set_mask(1, frame, rng.random((240, 320)) > 0.5)
info = SimpleNamespace(path=Path("clip.mp4"), width=320, height=240, frame_rate=Fraction(25), frame_count=40,
                       audio_streams=(), is_image_sequence=False)
limit = 256 * 1024  # bytes per file: the small files before are under it, the big ones not
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
jobs = {
    "save": lambda: save_project(project, folder / "p.keyfill"),
    "export": lambda: export_clip((rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(40)),
                                  info, folder / "out.mp4", overwrite=True),
    "mattes": lambda: export_mattes([rng.integers(0, 256, (240, 320), dtype=np.uint8) for _ in range(40)], info,
                                    folder / "mattes.mp4", as_video=True),
}
for name, job in jobs.items():
    try:
        job()
        print(name, "written")
    except KeyfillError as exc:
        print(name, type(exc).__name__, exc)
"""


def test_a_real_write_failure_from_the_kernel(tmp_path):
    (tmp_path / "p.keyfill").write_bytes(b"previous project")
    (tmp_path / "out.mp4").write_bytes(b"previous export")
    result = subprocess.run([sys.executable, "-c", REAL_FAILURE, str(tmp_path), str(ROOT)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert result.returncode == 0, result.stderr
    assert lines["save"].startswith("ProjectError Could not write") and "File too large" in lines["save"]
    assert lines["export"].startswith("ExportError Cannot write") and "File too large" in lines["export"]
    assert lines["mattes"].startswith("ExportError Cannot write") and "File too large" in lines["mattes"]
    assert (tmp_path / "p.keyfill").read_bytes() == b"previous project"
    assert (tmp_path / "out.mp4").read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "p.keyfill"]
