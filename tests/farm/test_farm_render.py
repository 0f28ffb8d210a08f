"""The render farm on Dask: a LocalCluster of 2 worker processes renders a small clip's chunks;
its frames equal a whole-clip render in this process, a worker lost mid-chunk costs only a retry,
and a cancelled or failed render leaves nothing behind."""

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.errors import Cancelled, KeyfillError
from core.farm import FarmOptions, farm_chunks, render_on_farm
from core.farm.cluster import local_cluster
from core.progress import CancelToken
from core.project.from_clip import project_with_masks
from core.render import RemovalOptions, removed_frames
from core.video import open_clip
from tests.farm.faults import worker_dies_once
from tests.render.synthetic import frames_and_masks, write_clip

COUNT = 45  # chunks 0-19, 20-39, 40-44
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def clip_on_disk(tmp_path_factory):
    root = tmp_path_factory.mktemp("clip")
    frames, masks = frames_and_masks(COUNT)
    return write_clip(root, frames, masks)


@pytest.fixture(scope="module")
def project(clip_on_disk):
    with open_clip(clip_on_disk / "frames") as reader:
        return project_with_masks(reader.info, clip_on_disk / "masks", every_frame=True)


@pytest.fixture(scope="module")
def whole_clip(project):
    with open_clip(project.clip.path) as reader:
        return list(removed_frames(project, reader.frame, RemovalOptions("flow")))


@pytest.fixture(scope="module")
def farm():
    """Two worker processes, one thread each, as ``dask worker`` runs them on a farm's machine."""
    with local_cluster(2) as cluster:
        yield FarmOptions(scheduler=cluster.scheduler_address)


def read_pngs(folder):
    return {p.name: cv2.imread(str(p), cv2.IMREAD_COLOR)[:, :, ::-1] for p in sorted(folder.iterdir())}


def assert_equal_to(folder, whole, frames):
    written = read_pngs(folder)
    assert sorted(written) == [f"{i:06d}.png" for i in frames]
    for i in frames:
        assert np.array_equal(written[f"{i:06d}.png"], whole[i]), i


def test_chunks_follow_the_clip_s_boundaries():
    assert farm_chunks(range(0, 45), 45) == [range(0, 20), range(20, 40), range(40, 45)]
    assert farm_chunks(range(15, 25), 45) == [range(15, 20), range(20, 25)]


def test_the_farm_renders_every_chunk_as_the_whole_clip_does(farm, project, whole_clip, tmp_path):
    seen = []
    report = render_on_farm(project, range(COUNT), tmp_path / "out", farm=farm, options=RemovalOptions("flow"),
                            progress=lambda done, total, message: seen.append((done, total)))
    assert_equal_to(tmp_path / "out", whole_clip, range(COUNT))
    assert [(c.start, c.stop) for c in report.chunks] == [(0, 20), (20, 40), (40, 45)]
    assert report.workers == 2
    assert seen[-1] == (COUNT, COUNT) and all(b >= a for (a, _), (b, _) in zip(seen, seen[1:]))
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]  # no staging folder left


def test_a_chunk_lost_with_its_worker_is_rendered_again(farm, project, whole_clip, tmp_path):
    render_on_farm(project, range(10, 45), tmp_path / "out", farm=farm, options=RemovalOptions("flow"), task=worker_dies_once)
    assert (tmp_path / "died-20").exists()  # the first try did die
    assert_equal_to(tmp_path / "out", whole_clip, range(10, 45))


def test_a_cancelled_render_leaves_no_output(farm, project, tmp_path):
    cancel = CancelToken()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("the user's")
    with pytest.raises(Cancelled):
        render_on_farm(project, range(COUNT), tmp_path / "out", farm=farm, options=RemovalOptions("flow"),
                       progress=lambda done, total, message: cancel.cancel(), cancel=cancel)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine.txt"]
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]


def test_a_chunk_s_user_error_is_one_line_and_writes_nothing(farm, project, tmp_path):
    with pytest.raises(KeyfillError, match="No removal model"):
        render_on_farm(project, range(COUNT), tmp_path / "out", farm=farm,
                       options=RemovalOptions("network", tmp_path / "missing.pt"))
    assert list(tmp_path.iterdir()) == []


def test_main_render_with_workers_runs_on_a_local_cluster(clip_on_disk, whole_clip, tmp_path, capsys):
    code = main(["render", str(clip_on_disk / "frames"), "--masks", str(clip_on_disk / "masks"),
                 "--frames", "15-44", "--workers", "2", "--method", "flow", "-o", str(tmp_path / "out")])
    assert code == 0
    assert "on 2 Dask workers" in capsys.readouterr().out
    assert_equal_to(tmp_path / "out", whole_clip, range(15, 45))
