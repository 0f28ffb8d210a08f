"""Project files that are damaged, hand-edited, from a newer Keyfill, or whose clip has moved.

Already covered in tests/test_project.py: truncated, garbage, a newer format version, no
manifest, a missing mask entry, a clip moved together with the project (found by its relative
path), a missing file and relinking to a clip of another size.
"""

from __future__ import annotations

import copy
import json
import zipfile
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.cli.main import main
from core.errors import MaskError, ProjectError
from core.project import ClipRef, clip_found, load_project, new_project, save_project
from core.project.from_clip import clip_ref
from core.video import probe
from tests.reliability.conftest import write_clip


@pytest.fixture
def saved(tmp_path):
    """``(path, manifest, entries)`` of a saved project with one mask and one content keyframe."""
    clip = ClipRef(tmp_path / "clip.mp4", 20, 10, 5, Fraction(25))
    project = new_project(clip)
    project.set_mask(1, 2, np.full((10, 20), 255, np.uint8))
    project.set_content_keyframe(3, np.zeros((10, 20, 3), np.uint8))
    path = save_project(project, tmp_path / "p.keyfill")
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    return path, json.loads(entries["manifest.json"]), entries


def _rewrite(path: Path, entries: dict, manifest=None, *, compression=zipfile.ZIP_STORED) -> None:
    entries = dict(entries)
    if manifest is not None:
        entries["manifest.json"] = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


# Each edit leaves a zip with a manifest that parses. Before these tests the first eight were
# loaded as if nothing were wrong (a mask on frame 99 of a 5-frame clip, a NUL in the clip's path
# that crashed Path.exists() later, ...) or leaked AttributeError / ZeroDivisionError, and
# version 1.0 was reported as "saved by a newer Keyfill".
EDITS = {
    "mask frame outside the clip": lambda m: m["masks"][0].update(frame=99),
    "content frame outside the clip": lambda m: m["content"][0].update(frame=-1),
    "NUL in the clip path": lambda m: m["clip"].update(path="clip\x00.mp4"),
    "settings not a mapping": lambda m: m.update(settings=[1, 2]),
    "setting of the wrong type": lambda m: m["settings"].update(working_width="wide"),
    "frame rate 1/0": lambda m: m["clip"].update(frame_rate="1/0"),
    "two objects with one id": lambda m: m["objects"].append(dict(m["objects"][0])),
    "colour of two channels": lambda m: m["objects"][0].update(colour=[1, 2]),
    "absurd clip size": lambda m: m["clip"].update(width=10**12),
    "mask of an unknown object": lambda m: m["masks"][0].update(object=7),
    "mask file missing": lambda m: m["masks"][0].update(file="masks/1/nope.png"),
    "objects not a list": lambda m: m.update(objects={"a": 1}),
    "version 1.0": lambda m: m.update(version=1.0),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_damaged_manifest_is_a_project_error_naming_the_file(saved, edit):
    path, manifest, entries = saved
    manifest = copy.deepcopy(manifest)
    EDITS[edit](manifest)
    _rewrite(path, entries, manifest)
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    message = str(caught.value)
    assert "p.keyfill" in message and "\n" not in message
    assert "autosave" in message or "clip" in message


@pytest.mark.parametrize("damage", ["content image of another size", "deeply nested JSON",
                                    "corrupt compressed entry", "encrypted-looking entry"])
def test_damaged_contents_are_a_project_error(saved, damage):
    path, manifest, entries = saved
    if damage == "content image of another size":
        entries = {**entries, manifest["content"][0]["file"]: cv2.imencode(".png", np.zeros((3, 3, 3), np.uint8))[1].tobytes()}
        _rewrite(path, entries)
    elif damage == "deeply nested JSON":
        _rewrite(path, entries, b"[" * 100_000)
    elif damage == "corrupt compressed entry":
        _rewrite(path, entries, compression=zipfile.ZIP_DEFLATED)
        data = bytearray(path.read_bytes())
        start = data.index(b"manifest.json") + len("manifest.json")
        data[start + 40: start + 80] = bytes(b ^ 0xFF for b in data[start + 40: start + 80])
        path.write_bytes(bytes(data))
    else:  # the "encrypted" flag set on the manifest's local header
        data = bytearray(path.read_bytes())
        data[6] |= 1
        central = data.index(b"PK\x01\x02")
        data[central + 8] |= 1
        path.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="p.keyfill"):
        load_project(path)


def test_a_failed_load_leaves_the_file_as_it_was(saved):
    path, manifest, entries = saved
    manifest["version"] = 99
    _rewrite(path, entries, manifest)
    before = path.read_bytes()
    with pytest.raises(ProjectError, match="newer Keyfill"):
        load_project(path)
    assert path.read_bytes() == before


def test_a_clip_moved_away_from_the_project_is_relinked(tmp_path):
    clip = write_clip(tmp_path / "shot.mp4", [i * 40 for i in range(6)])
    project = new_project(clip_ref(probe(clip)))
    project.set_mask(1, 2, np.full((48, 64), 255, np.uint8))
    path = save_project(project, tmp_path / "p.keyfill")
    (tmp_path / "elsewhere").mkdir()
    moved = clip.rename(tmp_path / "elsewhere" / "shot.mp4")

    loaded = load_project(path)  # the project opens: masks are not lost for a missing clip
    assert not clip_found(loaded) and loaded.mask_frames(1) == [2]
    other = write_clip(tmp_path / "other.mp4", [i * 40 for i in range(9)])
    with pytest.raises(MaskError, match="other.mp4 is 64x48, 9 frames but the project's clip was 64x48, 6 "
                                        "frames; choose the same clip"):
        loaded.relink(clip_ref(probe(other)))
    loaded.relink(clip_ref(probe(moved)))
    assert clip_found(loaded) and loaded.dirty
    save_project(loaded)
    assert load_project(path).clip.path == moved


def test_cli_export_of_a_project_whose_clip_is_gone_is_one_line(tmp_path, capsys):
    clip = write_clip(tmp_path / "shot.mp4", [i * 40 for i in range(4)])
    project = new_project(clip_ref(probe(clip)))
    path = save_project(project, tmp_path / "p.keyfill")
    clip.unlink()
    assert main(["export", str(path), "-o", str(tmp_path / "out.mp4")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "shot.mp4 is missing; move it back or relink it" in err[0]
    assert not (tmp_path / "out.mp4").exists()
