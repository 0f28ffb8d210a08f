"""Property tests with a budget: whatever sizes a project or a mask file declares, loading it
takes a bounded time and memory (what ``tracemalloc`` sees: numpy and OpenCV arrays included)
and ends in a project that fits its clip, a mask, or one of Keyfill's own errors.

Complements tests/reliability/test_loader_properties.py (any bytes, any manifest value), which
checks the outcome but not the cost: a 2 KB file declaring a 20000x20000 clip once cost 5.1 GB.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import MaskError, ProjectError
from core.masks import read_mask
from core.project import load_project
from tests.reliability.hostile import bounded, png_claiming, png_of_zeros, project_bytes
from tests.reliability.test_loader_properties import _loads_or_project_error

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECONDS, MEGABYTES = 5, 64  # a 3000x3000 project decodes one 9 MB mask and keeps 1.1 MB of it
REAL_SIZES = [(1, 1), (64, 48), (3000, 3000)]
sizes = st.tuples(st.integers(1, 2**31 - 1), st.integers(1, 2**31 - 1)) | st.sampled_from(
    [(20000, 20000), (9000, 9000), (3000, 3000), (64, 48)])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bounded")


@pytest.fixture(scope="module")
def real_pngs() -> dict:
    """Real PNGs of zeros, built once: ``{(w, h): bytes}`` (3000x3000 is 9 MB from 9 KB)."""
    return {size: png_of_zeros(*size) for size in REAL_SIZES}


@SETTINGS
@given(declared=sizes, frames=st.integers(1, 10**6),
       entries=st.lists(st.one_of(st.sampled_from(REAL_SIZES).map(lambda s: ("real", s)),
                                  sizes.map(lambda s: ("claims", s))), min_size=1, max_size=3),
       references=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 2)), min_size=1, max_size=64),
       compression=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
@example(declared=(3000, 3000), frames=64, entries=[("real", (3000, 3000))],  # legitimate: decoded once
         references=[(f, 0) for f in range(64)], compression=zipfile.ZIP_STORED)
@example(declared=(3000, 3000), frames=64, entries=[("real", (3000, 3000))],  # zipped PNG of zeros: a bomb
         references=[(f, 0) for f in range(64)], compression=zipfile.ZIP_DEFLATED)
def test_projects_declaring_any_size_load_within_a_budget(folder, real_pngs, declared, frames, entries,
                                                          references, compression):
    data = {f"masks/{i}.png": real_pngs[size] if kind == "real" else png_claiming(*size)
            for i, (kind, size) in enumerate(entries)}
    masks = [(frame, f"masks/{i % len(entries)}.png") for frame, i in references]
    path = folder / "p.keyfill"
    path.write_bytes(project_bytes(*declared, frames, masks, data, compression=compression))
    with bounded(SECONDS, MEGABYTES):
        _loads_or_project_error(path)


@SETTINGS
@given(size=sizes, depth=st.sampled_from([1, 8, 16]), colour=st.sampled_from([0, 2, 4, 6]),
       expected=st.none() | st.tuples(st.integers(1, 64), st.integers(1, 64)), resize=st.booleans())
def test_mask_files_claiming_any_size_read_within_a_budget(folder, size, depth, colour, expected, resize):
    path = folder / "m.png"
    path.write_bytes(png_claiming(*size, depth=depth if colour == 0 or depth != 1 else 8, colour=colour))
    with bounded(SECONDS, MEGABYTES):
        try:
            mask = read_mask(path, expected, resize=resize)
        except MaskError as exc:
            assert "\n" not in str(exc)
            return
    assert mask.ndim == 2 and (expected is None or mask.shape == (expected[1], expected[0]))


def test_the_budget_holds_for_the_issues_file(folder, real_pngs):
    """The reported file: 20000x20000 declared, 64 entries naming one PNG."""
    path = folder / "issue.keyfill"
    path.write_bytes(project_bytes(20000, 20000, 64, {f: "m.png" for f in range(64)},
                                   {"m.png": real_pngs[(3000, 3000)]}))
    with bounded(1, 16), pytest.raises(ProjectError):
        load_project(path)
