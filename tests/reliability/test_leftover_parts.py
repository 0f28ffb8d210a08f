"""SIGTERM is Ctrl+C (a clean exit, code 130, no ``.part`` left), and the ``.part`` files of a
killed writer are removed at the next start of Keyfill, not an hour later.

Issue 12: SIGTERM left the temporary file of the export; a ``kill -9`` left its ``.part`` until a
later write of the same file, once an hour old.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.part_files import HOST, STATE_DIR_ENV, part_owner

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "samples" / "bmx-trees.mp4"


def parts_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".part")]


def cli(args: list[str], state: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, STATE_DIR_ENV: str(state)}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def ignore_ctrl_c() -> None:
    """A job started in the background by a shell (``cmd &``, ``nohup``) has Ctrl+C ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("command, background", [("remove", False), ("render", False), ("remove", True)])
def test_sigterm_mid_write_exits_like_ctrl_c_and_leaves_nothing(tmp_path, command, background):
    mask = np.zeros((240, 432), np.uint8)
    mask[80:160, 150:280] = 255
    cv2.imwrite(str(tmp_path / "box.png"), mask)
    out = tmp_path / ("clean.mp4" if command == "remove" else "frames")
    state = tmp_path / "state"
    child = cli([command, str(SAMPLE), "--masks", str(tmp_path / "box.png"), "--method", "flow", "-o", str(out)],
                state, preexec_fn=ignore_ctrl_c if background else None)
    try:
        wait_for(lambda: parts_under(tmp_path) or child.poll() is not None, 120, "the write to start")
        assert child.poll() is None, child.communicate()
        time.sleep(0.3)  # well inside the write: a few frames filled and written
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert "keyfill: interrupted; nothing half-written was left behind." in err and "Traceback" not in err
    assert not out.exists()
    assert parts_under(tmp_path) == []
    assert list((state / "writes").iterdir()) == []  # an orderly exit leaves no journal either


WRITER = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from core.atomic_write import atomic_path, named_files_into

folder = Path(sys.argv[1])
with atomic_path(folder / "clean.mp4") as tmp:
    tmp.write_bytes(b"half an export")
    with named_files_into(folder / "mattes", ["00000.png", "00001.png"]) as write:
        (write.folder / "00000.png").write_bytes(b"half the mattes")
        print("writing", flush=True)
        time.sleep(600)
"""


def start_writer(folder: Path, state: Path) -> subprocess.Popen:
    folder.mkdir()
    env = {**os.environ, STATE_DIR_ENV: str(state)}
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(ROOT)], env=env, text=True,
                             stdout=subprocess.PIPE)
    assert child.stdout.readline() == "writing\n"
    return child


def test_the_parts_of_a_killed_writer_are_removed_at_the_next_start(tmp_path):
    state = tmp_path / "state"
    killed = start_writer(tmp_path / "killed", state)
    live = start_writer(tmp_path / "live", state)
    try:
        killed.kill()
        killed.wait()
        left = parts_under(tmp_path / "killed")
        assert len(left) == 2 and {part_owner(p.name) for p in left} == {(killed.pid, HOST)}
        assert len(parts_under(tmp_path / "live")) == 2

        starting = cli(["info", str(SAMPLE)], state)  # any subcommand: the cleaning is at start
        _, err = starting.communicate(timeout=120)
        assert starting.returncode == 0, err
        assert parts_under(tmp_path / "killed") == []
        assert sorted(p.name for p in (tmp_path / "killed").iterdir()) == []
        assert len(parts_under(tmp_path / "live")) == 2  # a live writer's parts are its own
        assert sorted(p.name for p in (state / "writes").iterdir()) == [f"{HOST}-{live.pid}.folders"]
    finally:
        for child in (killed, live):
            child.kill()
            child.wait()


def test_the_next_write_of_a_file_removes_a_dead_writers_part_at_once(tmp_path, monkeypatch):
    from core.atomic_write import write_bytes_atomic

    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "state"))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    dead = tmp_path / f".p.keyfill.{gone}@{HOST}-abcdefgh.keyfill.part"
    elsewhere = tmp_path / f".p.keyfill.{gone}@000000-abcdefgh.keyfill.part"  # another machine's: not asked
    for part in (dead, elsewhere):
        part.write_bytes(b"half a project")  # just written: young
    write_bytes_atomic(tmp_path / "p.keyfill", b"whole")
    assert not dead.exists() and elsewhere.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([elsewhere.name, "p.keyfill", "state"])
