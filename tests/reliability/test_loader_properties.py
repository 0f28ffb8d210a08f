"""Property tests: whatever bytes or values the project loader and the mask reader are given,
they return a valid result or raise one of Keyfill's own errors (a KeyfillError, whose message
the CLI and the window show), never a stray exception from zip, JSON, zlib, OpenCV or numpy.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import KeyfillError, MaskError, ProjectError
from core.masks import read_mask, read_mask_folder, write_mask
from core.project import ClipRef, Project, load_project, new_project, save_project

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


@pytest.fixture(scope="module")
def valid(folder) -> tuple[dict, dict]:
    """The manifest and the entries of a small valid project (mask + content keyframe)."""
    project = new_project(ClipRef(folder / "clip.mp4", 12, 8, 4, Fraction(25)), ["a", "b"])
    project.set_mask(1, 1, np.eye(8, 12, dtype=np.uint8) * 255)
    project.set_mask(2, 3, np.ones((8, 12), np.uint8))
    project.set_content_keyframe(2, np.full((8, 12, 3), 90, np.uint8))
    path = save_project(project, folder / "valid.keyfill")
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    return json.loads(entries["manifest.json"]), entries


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _loads_or_project_error(path: Path) -> None:
    try:
        project = load_project(path)
    except ProjectError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    # What loads is a consistent document: every mask and content frame fits the clip.
    assert isinstance(project, Project)
    clip = project.clip
    for obj in project.objects:
        for frame in project.mask_frames(obj.id):
            assert 0 <= frame < clip.frame_count
            assert project.mask(obj.id, frame).shape == (clip.height, clip.width)
    for frame in project.content_keyframes():
        assert 0 <= frame < clip.frame_count
        assert project.content_keyframe(frame).shape == (clip.height, clip.width, 3)


# -- the project loader ---------------------------------------------------------------------------

@SETTINGS
@given(data=st.binary(max_size=2048))
def test_random_bytes_never_load_as_anything_but_a_project_error(folder, data):
    path = folder / "random.keyfill"
    path.write_bytes(data)
    _loads_or_project_error(path)


@SETTINGS
@given(cut=st.integers(0, 10_000), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=6))
def test_truncated_or_bit_flipped_projects(folder, valid, cut, flips):
    manifest, entries = valid
    data = bytearray(_zip(entries))
    for position, mask in flips:
        data[position % len(data)] ^= mask
    path = folder / "flipped.keyfill"
    path.write_bytes(bytes(data[: max(1, len(data) - cut % len(data))]))
    _loads_or_project_error(path)


MANIFEST_PLACES = [
    (), ("format",), ("version",), ("clip",), ("clip", "path"), ("clip", "relative_path"), ("clip", "width"),
    ("clip", "height"), ("clip", "frame_count"), ("clip", "frame_rate"), ("objects",), ("objects", 0),
    ("objects", 0, "id"), ("objects", 0, "name"), ("objects", 0, "colour"), ("objects", 0, "visible"),
    ("settings",), ("settings", "working_width"), ("settings", "feather"), ("masks",), ("masks", 0),
    ("masks", 0, "object"), ("masks", 0, "frame"), ("masks", 0, "kind"), ("masks", 0, "file"),
    ("content",), ("content", 0, "frame"), ("content", 0, "file"),
]


@SETTINGS
@given(edits=st.lists(st.tuples(st.sampled_from(MANIFEST_PLACES), json_values), min_size=1, max_size=3))
def test_any_value_anywhere_in_the_manifest(folder, valid, edits):
    manifest, entries = valid
    manifest = copy.deepcopy(manifest)
    for place, value in edits:
        if not place:
            manifest = value
            continue
        parent = manifest
        try:
            for key in place[:-1]:
                parent = parent[key]
            parent[place[-1]] = value
        except (KeyError, IndexError, TypeError):
            pass  # an earlier edit replaced the parent: this one has nowhere to go
    path = folder / "edited.keyfill"
    path.write_bytes(_zip({**entries, "manifest.json": json.dumps(manifest).encode()}))
    _loads_or_project_error(path)


@SETTINGS
@given(replaced=st.dictionaries(st.sampled_from(["masks/1/000001.png", "masks/2/000003.png", "content/000002.png"]),
                                st.binary(max_size=300) | st.builds(lambda h, w, c: cv2.imencode(
                                    ".png", np.zeros((h, w, c), np.uint8))[1].tobytes(),
                                    st.integers(1, 20), st.integers(1, 20), st.sampled_from([1, 3, 4])),
                                min_size=1))
def test_any_image_in_place_of_a_mask_or_content_frame(folder, valid, replaced):
    _, entries = valid
    path = folder / "images.keyfill"
    path.write_bytes(_zip({**entries, **replaced}))
    _loads_or_project_error(path)


# -- mask files -----------------------------------------------------------------------------------

def _read_or_mask_error(path: Path, size, resize: bool) -> None:
    try:
        mask = read_mask(path, size, resize=resize)
    except MaskError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert mask.dtype == np.uint8 and mask.ndim == 2 and set(np.unique(mask)) <= {0, 255}
    if size is not None:
        assert mask.shape == (size[1], size[0])


@SETTINGS
@given(data=st.binary(max_size=1024), suffix=st.sampled_from([".png", ".jpg", ".tif", ".bmp", ".txt"]),
       size=st.none() | st.tuples(st.integers(1, 40), st.integers(1, 40)), resize=st.booleans())
def test_random_bytes_as_a_mask_file(folder, data, suffix, size, resize):
    path = folder / f"random{suffix}"
    path.write_bytes(data)
    _read_or_mask_error(path, size, resize)


@SETTINGS
@given(shape=st.tuples(st.integers(1, 24), st.integers(1, 24)), channels=st.sampled_from([None, 1, 3, 4]),
       dtype=st.sampled_from([np.uint8, np.uint16, np.float32]), suffix=st.sampled_from([".png", ".tif", ".bmp"]),
       seed=st.integers(0, 2**16), size=st.none() | st.tuples(st.integers(1, 30), st.integers(1, 30)),
       resize=st.booleans())
def test_images_of_any_shape_and_depth_as_masks(folder, shape, channels, dtype, suffix, seed, size, resize):
    rng = np.random.default_rng(seed)
    full = shape if channels is None else (*shape, channels)
    image = (rng.random(full) * (65535 if dtype == np.uint16 else 255)).astype(dtype)
    ok, encoded = cv2.imencode(suffix, image)
    if not ok:
        return
    path = folder / f"image{suffix}"
    path.write_bytes(encoded.tobytes())
    _read_or_mask_error(path, size, resize)


@SETTINGS
@given(shape=st.tuples(st.integers(1, 64), st.integers(1, 64)), seed=st.integers(0, 2**16))
def test_written_masks_read_back_identical(folder, shape, seed):
    mask = (np.random.default_rng(seed).random(shape) > 0.5).astype(np.uint8) * 255
    write_mask(folder / "round.png", mask)
    assert np.array_equal(read_mask(folder / "round.png", (shape[1], shape[0])), mask)


@SETTINGS
@given(names=st.lists(st.text(st.characters(codec="ascii", categories=["L", "N"]) | st.sampled_from("_-."),
                              min_size=1, max_size=10), min_size=1, max_size=5, unique=True),
       frame_count=st.integers(1, 50))
def test_mask_folders_with_any_file_names(tmp_path_factory, names, frame_count):
    folder = tmp_path_factory.mktemp("masks")
    for name in names:
        cv2.imwrite(str(folder / f"{name}.png"), np.zeros((6, 8), np.uint8))
    try:
        masks = read_mask_folder(folder, (8, 6), frame_count)
    except KeyfillError as exc:
        assert "\n" not in str(exc)
        return
    assert all(0 <= index < frame_count and mask.shape == (6, 8) for index, mask in masks.items())
