"""`make run`'s check for the system libraries Qt's window needs (packaging/check_qt_libs.py)."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "packaging" / "check_qt_libs.py"


def load_check():
    spec = importlib.util.spec_from_file_location("check_qt_libs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_check(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO)


def test_the_makefile_runs_the_check_before_the_window_and_not_before_the_tests():
    makefile = (REPO / "Makefile").read_text()
    run = re.search(r"^run:.*?(?=^\S)", makefile, flags=re.M | re.S).group(0)
    test = re.search(r"^test:.*?(?=^\S)", makefile, flags=re.M | re.S).group(0)
    assert run.index("check_qt_libs.py") < run.index("main.py app")
    assert "check_qt_libs" not in test, "the tests run offscreen: no root needed"


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/usr/bin/apt-get").exists(),
                    reason="the install command is Debian's")
def test_missing_libraries_print_the_one_command_that_installs_them():
    done = run_check("--print", "--missing", "libxcb-cursor.so.0,libxcb-icccm.so.4,libxcb-keysyms.so.1")
    assert done.returncode == 1, "make run stops before a window that cannot open"
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in done.stderr
    sudo = "" if os.geteuid() == 0 else "sudo "
    assert f"    {sudo}apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1\n" in done.stderr
    assert done.stderr.count("apt-get install") == 1, "one command"


def test_nothing_missing_is_silent_and_succeeds():
    done = run_check("--print", "--missing", "")
    assert (done.returncode, done.stderr) == (0, "")


def test_a_library_no_package_is_known_for_is_named():
    done = run_check("--print", "--missing", "libxcb-keysyms.so.1,libwhatever.so.7")
    assert done.returncode == 1 and "libwhatever.so.7" in done.stderr


def test_the_command_asks_for_sudo_only_when_not_root():
    check = load_check()
    packages = ["libxcb-icccm4", "libxcb-keysyms1"]
    assert check.install_command(packages, as_root=True) == ["apt-get", "install", "-y", *packages]
    assert check.install_command(packages, as_root=False)[:2] == ["sudo", "apt-get"]


def test_every_library_qt_requires_has_a_package():
    check = load_check()
    assert set(check.REQUIRED) <= set(check.PACKAGES)
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0", "libegl1", "libgl1",
            "libfontconfig1", "libdbus-1-3"} <= set(check.PACKAGES.values())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and ldconfig are Linux's")
def test_what_is_missing_here_is_found_without_error():
    missing = load_check().missing_libraries()
    assert all(name.startswith("lib") and ".so" in name for name in missing)
