"""Cancelling in the middle of an export or a propagation: it stops within a frame, writes nothing
half-way, and leaves the project as it was.

Already covered: a cancelled clip export leaves no file (tests/export/test_export.py
``test_cancel_mid_way_leaves_nothing``), a cancelled PNG matte export leaves no folder
(tests/export/test_export_mattes.py), rotoscoping stops between frames (tests/roto/test_propagate.py
``test_cancelling_stops_between_frames``), the network's whole-clip render stops between frames
(tests/render/test_network_clip_renderer.py ``test_cancel_stops_between_frames``), and a cancelled training
run saves a checkpoint it resumes from exactly (tests/train/test_loop.py
``test_resumed_run_is_identical_to_an_uninterrupted_one``).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from core.errors import Cancelled
from core.export import export_clip
from core.progress import CancelToken
from core.render import RemovalOptions, removed_frames
from core.roto import propagate_project
from tests.cancelling import cancel_after
from tests.render.synthetic import HEIGHT, WIDTH, synthetic_project


def test_cancelled_removal_export_stops_within_a_frame_and_writes_nothing(tmp_path):
    project, frames, _ = synthetic_project(16)
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"the previous export")
    token, progress = cancel_after(4)  # the user presses Cancel while frame 5 is being filled
    decoded_after_cancel = []

    def frame_of(index: int) -> np.ndarray:
        if token.cancelled:
            decoded_after_cancel.append(index)
        return frames[index]

    info = SimpleNamespace(path=Path("synthetic.mp4"), width=WIDTH, height=HEIGHT, frame_rate=Fraction(25),
                           frame_count=16, audio_streams=(), is_image_sequence=False)
    filled = removed_frames(project, frame_of, RemovalOptions("flow"), cancel=token)
    with pytest.raises(Cancelled, match="nothing was written"):
        export_clip(filled, info, dest, overwrite=True, progress=progress, cancel=token)
    assert dest.read_bytes() == b"the previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]
    assert decoded_after_cancel == []  # not one more frame decoded or filled after the cancel


def test_cancelled_propagation_leaves_the_project_as_it_was():
    project, frames, masks = synthetic_project(16)
    object_id = project.objects[0].id
    for frame in range(16):
        if frame not in (0, 15):
            project.clear_mask(object_id, frame)
    revision = project.revision
    token = CancelToken()
    progressed = []

    def progress(done, total, message):
        progressed.append(done)
        if done == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        propagate_project(project, frames.__getitem__, progress=progress, cancel=token)
    assert project.revision == revision and project.mask_frames(object_id) == [0, 15]
    assert max(progressed) <= 4  # stopped at the next frame
