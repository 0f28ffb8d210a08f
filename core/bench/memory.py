"""Peak resident memory of the current process, for benchmarks that run each measurement in a
child process of its own.

On Linux it is ``VmHWM`` in ``/proc/self/status`` (the high-water mark of this process's own
address space). ``ru_maxrss`` survives ``execve``: a child spawned by a benchmark whose parent has
PyTorch loaded and has just made a 4K clip starts with the parent's peak, and would report it.
"""

from __future__ import annotations

import resource
import sys


def peak_rss_mib() -> float:
    """Peak resident memory of this process's address space, MiB (``ru_maxrss`` where there is no
    ``/proc``: macOS)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # macOS: bytes; else kB
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024
