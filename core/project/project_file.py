"""The ``.keyfill`` project file: one zip holding a JSON manifest and PNG images.

Layout::

    manifest.json                 format name + version, clip reference, objects, settings,
                                  the list of masks and content keyframes
    masks/<object>/<frame>.png    1-bit PNG masks (0 / 255)
    content/<frame>.png           hand-fixed frames (RGB)

One file makes saving atomic (temp file beside it, fsync, rename): a crash or kill during a save
leaves the previous project or the new one, never a mix. Every read is checked; anything wrong
raises :class:`ProjectError` whose message names the file and what to do.

Loading is bounded by the file, not by what it declares: the declared clip size is checked
against the clip on disk and :data:`~core.image_limits.MAX_PIXELS` before any image is decoded,
every image's header (PNG only) before its pixels, an image may not decode to more than
:data:`MAX_EXPANSION` times the bytes it takes in the zip (a zip of a PNG of zeros would), and an
image named by many entries is decoded once and shared.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
import zlib
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from core.atomic_write import atomic_path
from core.errors import KeyfillError, ProjectError, SettingsError
from core.image_limits import MAX_PIXELS, describe_too_large, png_header
from core.project.clip_check import clip_on_disk
from core.project.document import ClipRef, ObjectTrack, Project, ProjectSettings
from core.project.mask_track import MaskKind, MaskTrack

FORMAT_NAME = "keyfill-project"
FORMAT_VERSION = 1
SUFFIX = ".keyfill"
MAX_SIZE = 2**16  # pixels, width or height: larger is a damaged manifest, not a clip
MAX_FRAMES = 2**31
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_EXPANSION = 2048
"""Raw image bytes per byte stored in the zip. One deflate expands at most 1032:1 and Keyfill
stores its PNGs uncompressed in the zip, so more is a compressed PNG of zeros, a bomb."""


def save_project(project: Project, path: str | Path | None = None) -> Path:
    """Write ``project`` to ``path`` (default: where it was loaded from) atomically."""
    path = Path(path) if path is not None else project.path
    if path is None:
        raise ProjectError("The project has never been saved; choose a file name ending in .keyfill.")
    revision = project.revision
    manifest = _manifest(project, path)
    try:
        with atomic_path(path) as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
                for entry in manifest["masks"]:
                    mask = project.mask(entry["object"], entry["frame"])
                    zf.writestr(entry["file"], _encode_png(mask))
                for entry in manifest["content"]:
                    image = project.content_keyframe(entry["frame"])
                    zf.writestr(entry["file"], _encode_png(image[:, :, ::-1]))
                # the manifest goes last: a file without it is recognisably incomplete
                zf.writestr("manifest.json", json.dumps(manifest, indent=1))
    except OSError as exc:
        raise ProjectError(
            f"Could not write {path} ({exc.strerror or exc}); free some disk space or save elsewhere. "
            "The project in memory is unchanged."
        ) from exc
    project.path = path
    project.saved_revision = revision
    return path


def load_project(path: str | Path) -> Project:
    """Read a ``.keyfill`` file. The clip is not opened: see ``Project.clip`` and ``clip_found``."""
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"{path} does not exist; check the path or open another project.")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _read_manifest(zf, path)
            project = _project_from_manifest(manifest, path)
            found = clip_on_disk(project.clip, path.name)  # before decoding anything it declares
            images = _Images(zf, project.clip)
            seen = set()
            for entry in manifest["masks"]:
                key = (int(entry["object"]), _frame_in_clip(entry["frame"], project))
                if key in seen:
                    raise ValueError("two masks for one frame")
                seen.add(key)
                project._restore_packed(*key, images.mask(_text(entry["file"])), MaskKind(entry["kind"]))
            for entry in manifest["content"]:
                frame = _frame_in_clip(entry["frame"], project)
                if frame in project._content:
                    raise ValueError("two content keyframes for one frame")
                project._content[frame] = images.content(_text(entry["file"]))
    except SettingsError as exc:
        raise ProjectError(f"{path.name} is damaged: {exc.problem[0].lower()}{exc.problem[1:]}; "
                           "open its autosave or an earlier copy.") from exc
    except KeyfillError as exc:
        if isinstance(exc, ProjectError):
            raise
        raise ProjectError(f"{path.name} holds a mask that does not fit its clip ({exc}).") from exc
    # Whatever a damaged or hand-edited file makes the zip, zlib, JSON or PNG readers raise
    # (RecursionError and the zip module's NotImplementedError are RuntimeErrors).
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, KeyError, ValueError, TypeError,
            AttributeError, ArithmeticError, EOFError, OSError, RuntimeError, MemoryError) as exc:
        raise ProjectError(
            f"{path.name} is damaged or not a Keyfill project ({type(exc).__name__}); "
            "open its autosave or an earlier copy."
        ) from exc
    project.path = path
    project.revision = project.saved_revision = 0
    if found is not None and (found.frame_count, found.frame_rate) != (project.clip.frame_count,
                                                                       project.clip.frame_rate):
        project.clip_on_disk = found  # said by clip_mismatch(project); adopted by project.reprobe
    return project


def clip_found(project: Project) -> bool:
    """Whether the project's clip is where the project says; if not, offer to relink it."""
    return project.clip.path.exists()


# --- manifest ----------------------------------------------------------------------------------
def _manifest(project: Project, path: Path) -> dict:
    clip = project.clip
    masks = []
    for obj in project.objects:
        for frame in project.mask_frames(obj.id):
            masks.append({
                "object": obj.id, "frame": frame, "kind": project.mask_kind(obj.id, frame).value,
                "file": f"masks/{obj.id}/{frame:06d}.png",
            })
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "clip": {
            "path": str(clip.path.resolve()),
            "relative_path": _relative(clip.path, path.parent),
            "width": clip.width, "height": clip.height,
            "frame_count": clip.frame_count,
            "frame_rate": f"{clip.frame_rate.numerator}/{clip.frame_rate.denominator}",
        },
        "objects": [dataclasses.asdict(o) for o in project.objects],
        "settings": dataclasses.asdict(project.settings),
        "masks": masks,
        "content": [{"frame": f, "file": f"content/{f:06d}.png"} for f in project.content_keyframes()],
    }


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        if zf.getinfo("manifest.json").file_size > MAX_MANIFEST_BYTES:
            raise ValueError("manifest size")
        manifest = json.loads(zf.read("manifest.json"))
    except KeyError:
        raise ProjectError(f"{path.name} has no manifest (an interrupted save?); open its autosave.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ProjectError(f"{path.name} is not a Keyfill project; open a .keyfill file.")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"{path.name} is damaged (its format version is {version!r}); "
                           "open its autosave or an earlier copy.")
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"{path.name} was saved by a newer Keyfill (format {version}, this one reads {FORMAT_VERSION}); "
            "update Keyfill to open it."
        )
    return manifest


def _project_from_manifest(manifest: dict, path: Path) -> Project:
    c = manifest["clip"]
    clip_path = Path(_text(c["path"]))
    relative = c.get("relative_path")
    if not clip_path.exists() and relative:
        moved_with_project = (path.parent / _text(relative)).resolve()
        if moved_with_project.exists():
            clip_path = moved_with_project
    num, den = (int(x) for x in _text(c["frame_rate"]).split("/"))
    clip = ClipRef(clip_path, int(c["width"]), int(c["height"]), int(c["frame_count"]), Fraction(num, den))
    if not (0 < clip.width <= MAX_SIZE and 0 < clip.height <= MAX_SIZE and 0 < clip.frame_count <= MAX_FRAMES
            and clip.frame_rate > 0):
        raise ValueError("clip size")
    if clip.width * clip.height > MAX_PIXELS:
        raise ProjectError(
            f"{path.name} declares a clip of {describe_too_large((clip.width, clip.height))}; "
            "open its autosave or an earlier copy.")
    project = Project(clip=clip, settings=_settings(manifest.get("settings", {})))
    for o in manifest["objects"]:
        colour = tuple(int(v) for v in o["colour"])
        if len(colour) != 3 or not all(0 <= v <= 255 for v in colour) or int(o["id"]) in project._tracks:
            raise ValueError("object")
        project.objects.append(ObjectTrack(int(o["id"]), _text(o["name"]), colour, bool(o["visible"])))
        project._tracks[int(o["id"])] = MaskTrack(clip.width, clip.height)
    return project


def _settings(saved: dict) -> ProjectSettings:
    """The saved settings over the defaults; unknown names are skipped (an older Keyfill's)."""
    if not isinstance(saved, dict):
        raise TypeError("settings")
    defaults = ProjectSettings()
    values = {}
    for f in dataclasses.fields(ProjectSettings):
        if f.name in saved:
            value, default = saved[f.name], getattr(defaults, f.name)
            number = isinstance(default, (int, float)) and not isinstance(value, bool)
            if not (isinstance(value, type(default)) or (number and isinstance(value, int))):
                raise TypeError(f"setting {f.name}")
            values[f.name] = value
    return ProjectSettings(**values)


def _frame_in_clip(frame, project: Project) -> int:
    frame = int(frame)
    if not 0 <= frame < project.clip.frame_count:
        raise ValueError("frame outside the clip")
    return frame


def _text(value) -> str:
    """A string from the manifest (a file name must not hide a NUL, which paths refuse later)."""
    if not isinstance(value, str) or "\x00" in value:
        raise TypeError("text")
    return value


def _relative(target: Path, start: Path) -> str | None:
    try:
        return os.path.relpath(target.resolve(), start.resolve())
    except ValueError:  # another drive on Windows
        return None


def _encode_png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise ProjectError("Could not encode an image for the project file.")
    return data.tobytes()


class _Images:
    """The PNG entries of a project's zip, each checked before decoding and decoded once.

    Masks come back packed for ``MaskTrack.set_packed`` and content frames as read-only
    ``(H, W, 3)`` uint8 RGB, both shared by every entry that names the same file. Damage raises
    the ``ValueError`` / ``KeyError`` the loader reports as a damaged project.
    """

    def __init__(self, zf: zipfile.ZipFile, clip: ClipRef) -> None:
        self._zf, self._clip = zf, clip
        self._track = MaskTrack(clip.width, clip.height)  # packs masks as the project's tracks do
        self._masks: dict[str, bytes] = {}
        self._content: dict[str, np.ndarray] = {}

    def mask(self, name: str) -> bytes:
        if name not in self._masks:
            self._masks[name] = self._track.pack(_decode_png(self._checked(name), cv2.IMREAD_GRAYSCALE))
        return self._masks[name]

    def content(self, name: str) -> np.ndarray:
        if name not in self._content:
            image = np.ascontiguousarray(_decode_png(self._checked(name), cv2.IMREAD_COLOR)[:, :, ::-1])
            if image.shape != (self._clip.height, self._clip.width, 3):
                raise ValueError("content keyframe size")
            image.flags.writeable = False  # shared: the project replaces frames, never edits them
            self._content[name] = image
        return self._content[name]

    def _checked(self, name: str) -> bytes:
        """The entry's bytes, once its PNG header fits the clip and its size is no bomb's."""
        info = self._zf.getinfo(name)
        with self._zf.open(info) as entry:
            width, height, raw_bytes = png_header(entry.read(33))
        if (width, height) != (self._clip.width, self._clip.height):
            raise ValueError("image size")
        if raw_bytes > MAX_EXPANSION * max(info.compress_size, 1) or info.file_size > 2 * raw_bytes + 2**20:
            raise ValueError("compressed beyond what an image compresses")
        return self._zf.read(info)


def _decode_png(data: bytes, flags: int) -> np.ndarray:
    if not data:  # OpenCV raises rather than returns None for an empty buffer
        raise ValueError("empty image")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as exc:
        raise ValueError("unreadable image") from exc
    if image is None:
        raise ValueError("unreadable image")
    return image
