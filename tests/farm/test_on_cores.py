"""The whole clip's removal on every core: 2 worker processes give the frames of one process, in
order; stopping early ends the workers and leaves no temporary files."""

import tempfile
from pathlib import Path

import numpy as np
import pytest

from core.cli.main import main
from core.errors import Cancelled
from core.farm import removed_frames_on_cores
from core.part_files import part_prefix
from core.progress import CancelToken
from core.render import RemovalOptions
from core.video import open_clip
from tests.farm.test_farm_render import COUNT, clip_on_disk, project, whole_clip  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(180)


def leftovers():
    """This process's render folders left in the temporary folder (another test run may share it)."""
    return sorted(Path(tempfile.gettempdir()).glob(f"{part_prefix('keyfill-cores')}*.part"))


def test_every_core_gives_the_frames_of_one_process(project, whole_clip):  # noqa: F811
    before, seen = leftovers(), []
    frames = list(removed_frames_on_cores(project, RemovalOptions("flow"), workers=2,
                                          progress=lambda done, total, message: seen.append(done)))
    assert len(frames) == COUNT
    assert all(np.array_equal(a, b) for a, b in zip(frames, whole_clip))
    assert seen[-1] == COUNT and seen == sorted(seen)
    assert leftovers() == before


def test_cancel_stops_every_chunk(project):  # noqa: F811
    before, cancel = leftovers(), CancelToken()
    frames = removed_frames_on_cores(project, RemovalOptions("flow"), workers=2, cancel=cancel)
    next(frames)
    cancel.cancel()
    with pytest.raises(Cancelled):
        list(frames)
    assert leftovers() == before


def test_main_remove_on_two_workers(clip_on_disk, whole_clip, tmp_path):  # noqa: F811
    out = tmp_path / "clean.mp4"
    assert main(["remove", str(clip_on_disk / "frames"), "--masks", str(clip_on_disk / "masks"), "--method", "flow",
                 "--workers", "2", "--quality", "0", "-o", str(out)]) == 0
    with open_clip(out) as reader:
        assert len(reader) == COUNT
        frame = reader.frame(30)
    assert np.abs(frame.astype(int) - whole_clip[30]).mean() < 3  # H.264 at CRF 0 in yuv420p
