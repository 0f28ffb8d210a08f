"""Before `make run` opens the window: are the system libraries Qt's X11 plugin needs installed?

PySide6's wheels bring Qt but not the system's X11 / OpenGL libraries its ``xcb`` platform plugin
links to; a fresh Debian or Ubuntu lacks some (libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1...),
and the window then fails with "Could not load the Qt platform plugin xcb". This finds what is
missing (``ldd`` on the plugin itself, plus ``ldconfig -p`` for the libraries Qt needs), installs
the Debian packages with apt-get when it may (root, or sudo without a password), and otherwise
prints the one command to run and exits with 1. Nothing to do on macOS and Windows.

Standard library only: it runs before anything else is imported.

    python packaging/check_qt_libs.py            # check, install when allowed
    python packaging/check_qt_libs.py --print    # only say what is missing and the command
    python packaging/check_qt_libs.py --print --missing libxcb-icccm.so.4   # as if that were missing
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> the Debian / Ubuntu package that provides it
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}
# checked even where ldd cannot be run on the plugin (Qt loads some of them at run time)
REQUIRED = ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-image.so.0",
            "libxcb-render-util.so.0", "libxcb-shape.so.0", "libxkbcommon-x11.so.0", "libEGL.so.1",
            "libGL.so.1", "libfontconfig.so.1", "libdbus-1.so.3")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print", action="store_true", dest="print_only",
                        help="install nothing: say what is missing and the command that installs it")
    parser.add_argument("--missing", help="comma-separated sonames to treat as missing instead of looking (tests)")
    args = parser.parse_args(argv)
    if args.missing is None and not sys.platform.startswith("linux"):
        return 0  # macOS and Windows: Qt's wheels carry what the window needs
    missing = [s for s in args.missing.split(",") if s] if args.missing is not None else missing_libraries()
    if not missing:
        return 0
    packages = sorted({PACKAGES[s] for s in missing if s in PACKAGES})
    unknown = [s for s in missing if s not in PACKAGES]
    print(f"keyfill: the window needs system libraries that are missing: {', '.join(missing)}", file=sys.stderr)
    if not packages or shutil.which("apt-get") is None:
        print("keyfill: install them with your system's package manager"
              + (f" (on Debian / Ubuntu: {' '.join(packages)})" if packages else ""), file=sys.stderr)
        return 1
    as_root = os.geteuid() == 0
    command = install_command(packages, as_root=as_root)
    if unknown:
        print(f"keyfill: and {', '.join(unknown)}, which no known package provides", file=sys.stderr)
    if args.print_only or not (as_root or sudo_without_password()):
        print(f"keyfill: install them with:\n    {' '.join(command)}", file=sys.stderr)
        return 1
    print(f"keyfill: installing {' '.join(packages)} ({' '.join(command)})", file=sys.stderr)
    sudo = [] if as_root else ["sudo", "-n"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False)  # a fresh machine has no package lists
    done = subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                          env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, check=False)
    still = missing_libraries()
    if done.returncode != 0 or still:
        print(f"keyfill: the install did not complete{': still missing ' + ', '.join(still) if still else ''}; "
              f"run:\n    {' '.join(command)}", file=sys.stderr)
        return 1
    return 0


def install_command(packages: list[str], *, as_root: bool) -> list[str]:
    """The one command that installs ``packages`` (``sudo`` first unless running as root)."""
    return ([] if as_root else ["sudo"]) + ["apt-get", "install", "-y", *packages]


def missing_libraries() -> list[str]:
    """Sonames the xcb plugin cannot find: ``ldd``'s "not found" lines, then the required ones
    the dynamic linker's cache lacks (in the order found, each once)."""
    missing = []
    plugin = xcb_plugin()
    if plugin is not None and shutil.which("ldd"):
        out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False).stdout
        missing += re.findall(r"^\s*(\S+) => not found", out, flags=re.M)
    known = linker_cache()
    if known is not None:
        missing += [s for s in REQUIRED if s not in known]
    return list(dict.fromkeys(missing))


def xcb_plugin() -> Path | None:
    """PySide6's ``libqxcb.so``, or None when PySide6 is not installed."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return path if path.is_file() else None


def linker_cache() -> set[str] | None:
    """Sonames in ``ldconfig -p``, or None where ldconfig is not there to ask."""
    ldconfig = shutil.which("ldconfig") or ("/sbin/ldconfig" if Path("/sbin/ldconfig").exists() else None)
    if ldconfig is None:
        return None
    out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=False).stdout
    return set(re.findall(r"^\s*(\S+) \(", out, flags=re.M))


def sudo_without_password() -> bool:
    return shutil.which("sudo") is not None and subprocess.run(
        ["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0


if __name__ == "__main__":
    sys.exit(main())
