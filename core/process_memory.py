"""Large arrays freed go back to the system at once (glibc's ``malloc``), so that the peak memory
of a long render is what it holds, not what it once held.

glibc serves a block of at least ``M_MMAP_THRESHOLD`` bytes with its own ``mmap``, unmapped when
freed; but each such block freed raises the threshold to its size (up to 32 MB), after which
frames, holes and their temporaries come from the heap, whose freed parts are kept and split. At
4K (25 MB a frame, 8 MB a hole) that held a few hundred MB more than the removal was using, and
more the longer the clip (issue 14, docs/benchmarks.md). A fixed threshold turns that off.
"""

from __future__ import annotations

import ctypes
import sys

LARGE_BLOCK_BYTES = 4 * 2**20
"""Blocks this large or larger are mapped on their own: a 1080p frame (6 MB) and anything at 4K;
working-grid arrays (a flow at 480 px wide is 1 MB) stay on the heap."""
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def return_large_blocks(threshold: int = LARGE_BLOCK_BYTES) -> bool:
    """Fix glibc's ``mmap`` threshold at ``threshold`` bytes; whether it was set (False where the
    C library is not glibc: macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, threshold) == 1


LARGE_FRAME_PIXELS = 2 * 1920 * 1080
"""Clips with more pixels a frame than this (4K) get :func:`return_large_blocks`."""


def return_large_blocks_for(width: int, height: int) -> bool:
    """:func:`return_large_blocks` for a clip of ``width`` x ``height`` above
    :data:`LARGE_FRAME_PIXELS`; smaller clips keep glibc's default, which is faster: with the
    threshold fixed at 4 MiB rotoscoping at 854x480 took 60-75 % longer (every float32 RGB array
    of a frame mapped and unmapped; docs/benchmarks.md). Whether it was set."""
    return width * height > LARGE_FRAME_PIXELS and return_large_blocks()
