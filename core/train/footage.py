"""Training footage: every clip and still image under a data folder, loaded into memory.

What counts as what, walking the folder (sorted, hidden entries skipped):

- a folder with a ``frames/`` sub-folder is one clip (the DAVIS layout); its ``masks/`` folder,
  if any, gives object silhouettes for the hole generator;
- a video file (``.mp4``, ``.mov``, ...) is one clip;
- a folder of images is one clip when the images are numbered and all of one size, otherwise
  every image is a *still* (trained with synthetic keyframes only); black-and-white images
  (static masks lying beside a video: under 5 % mid-tones) are skipped;
- other folders are searched the same way.

A clip is excluded (``exclude``) when its name or any folder above it (inside the data folder)
is named in the list; excluded clips give neither frames nor silhouettes. Frames are scaled to
``frame_height`` pixels high (at least the crop size each way) once, when loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from PIL import Image

from core.errors import KeyfillError
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress
from core.train.hole_masks import shape_of

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
MAX_SHAPES_PER_CLIP = 40  # silhouettes of one object differ little from frame to frame


class TrainingDataError(KeyfillError):
    """No usable footage, or footage that cannot be read."""


@dataclass
class FootageClip:
    """One clip (or one still, ``len(frames) == 1``) in memory.

    ``frames``: ``(H, W, 3)`` uint8 RGB, all of one size; ``unknown``: per frame, ``(H, W)``
    bool pixels whose truth is not known (the object to remove, when fine-tuning on a
    project), or ``None`` for footage that is clean everywhere.
    """

    name: str
    frames: list[np.ndarray]
    unknown: list[np.ndarray | None] | None = None
    shapes: list[np.ndarray] = field(default_factory=list)
    masks: list[np.ndarray] | None = None  # the object's mask on every frame (uint8 0/255), if known

    @property
    def size(self) -> tuple[int, int]:
        """``(H, W)`` in pixels."""
        return self.frames[0].shape[:2]

    def unknown_at(self, index: int) -> np.ndarray | None:
        return None if self.unknown is None else self.unknown[index]


def find_footage(data: str | Path, *, exclude: Sequence[str] = (), frame_height: int = 240,
                 crop: tuple[int, int] = (240, 240), max_frames: int = 2000,
                 progress: ProgressFn = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED) -> list[FootageClip]:
    """All clips and stills under ``data`` (a folder, or one video file), loaded and scaled.

    ``crop`` is ``(H, W)``: frames are scaled up where needed so a crop fits. ``max_frames``
    caps the frames read from one clip. Raises :class:`TrainingDataError` when nothing usable
    is found.
    """
    root = Path(data)
    if not root.exists():
        raise TrainingDataError(f"Training data folder {root} does not exist; pass --data with "
                                "a folder of clips or images.")
    sources = _discover(root, root, set(exclude))
    clips: list[FootageClip] = []
    for done, (name, kind, path) in enumerate(sources):
        cancel.raise_if_cancelled()
        progress(done, len(sources), f"reading {name}")
        if kind == "stills":
            images = [(p, _read_image(p)) for p in _images(path)]
            clips += [FootageClip(f"{name}/{p.stem}", [_scaled(image, frame_height, crop)])
                      for p, image in images if not _is_mask(image)]
            continue
        frames = _read_video(path, max_frames) if kind == "video" else \
            [_read_image(p) for p in _images(path)[:max_frames]]
        frames = [_scaled(f, frame_height, crop) for f in frames]
        masks = path.parent / "masks" if kind == "frames" else None
        clips.append(FootageClip(name, frames, shapes=_shapes(masks),
                                 masks=_all_masks(masks, frames[0].shape[:2], len(frames))))
    progress(len(sources), len(sources), "footage read")
    if not clips:
        raise TrainingDataError(f"No clips or images found under {root} (after excluding "
                                f"{', '.join(exclude) or 'nothing'}); add video files or "
                                "folders of images.")
    return clips


def scale_to(frame: np.ndarray, size: tuple[int, int], *, nearest: bool = False) -> np.ndarray:
    """``frame`` resized to ``size = (H, W)`` (area filter when shrinking, else linear)."""
    h, w = size
    if frame.shape[:2] == (h, w):
        return frame
    interp = cv2.INTER_NEAREST if nearest else (
        cv2.INTER_AREA if h < frame.shape[0] else cv2.INTER_LINEAR)
    return cv2.resize(frame, (w, h), interpolation=interp)


def scaled_size(size: tuple[int, int], frame_height: int, crop: tuple[int, int]) -> tuple[int, int]:
    """``(H, W)`` a frame of ``size`` is trained at: ``frame_height`` high, big enough to crop."""
    h, w = size
    scale = max(frame_height / h, crop[0] / h, crop[1] / w)
    return max(crop[0], round(h * scale)), max(crop[1], round(w * scale))


# --- discovery -------------------------------------------------------------------------------

def _discover(folder: Path, root: Path, exclude: set[str]) -> list[tuple[str, str, Path]]:
    """``(name, kind, path)`` for every clip under ``folder``; kind is frames/video/sequence/stills."""
    if folder.is_file():
        return [(folder.stem, "video", folder)] if folder.suffix.lower() in VIDEO_SUFFIXES else []
    parts = set(folder.relative_to(root).parts) if folder != root else set()
    if parts & exclude:
        return []
    if (folder / "frames").is_dir():
        return [] if folder.name in exclude else [(folder.name, "frames", folder / "frames")]
    found: list[tuple[str, str, Path]] = []
    images = _images(folder)
    if images:
        kind = "sequence" if _is_sequence(images) else "stills"
        found.append((folder.name, kind, folder))
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in exclude:
            continue
        if entry.is_dir() and entry.name != "masks":
            found += _discover(entry, root, exclude)
        elif entry.is_file() and entry.suffix.lower() in VIDEO_SUFFIXES \
                and entry.stem not in exclude:
            found.append((entry.stem, "video", entry))
    return found


def _images(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir()
             if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=lambda p: [int(t) if t.isdigit() else t
                                        for t in re.split(r"(\d+)", p.name.lower())])


def _is_sequence(images: list[Path]) -> bool:
    """Numbered files of one size: frames of a clip (not a folder of unrelated stills)."""
    if len(images) < 2 or not all(re.search(r"\d", p.stem) for p in images):
        return False
    sizes = set()
    for p in images:
        with Image.open(p) as image:
            sizes.add(image.size)
    return len(sizes) == 1


# --- reading ---------------------------------------------------------------------------------

def _read_image(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except OSError as exc:
        raise TrainingDataError(f"Cannot read {path} ({exc}); remove it from the data folder."
                                ) from exc


def _read_video(path: Path, max_frames: int) -> list[np.ndarray]:
    """Frames of a video with Keyfill's reader (PyAV), or with OpenCV where PyAV is missing
    (a bare GPU machine)."""
    from core.video import open_clip
    from core.video.clip_info import av

    if av is None:
        return _read_video_opencv(path, max_frames)
    with open_clip(path, cache_bytes=0) as reader:
        return [np.array(f) for f in reader.frames(0, min(len(reader), max_frames))]


def _read_video_opencv(path: Path, max_frames: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < max_frames:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    if not frames:
        raise TrainingDataError(f"Cannot decode {path}; convert it to H.264 .mp4 or remove it.")
    return frames


def _is_mask(image: np.ndarray) -> bool:
    """A black-and-white image (a static mask lying beside a video), not a picture."""
    mid_tones = ((image > 16) & (image < 240)).mean()
    return mid_tones < 0.05  # only anti-aliased edges between black and white


def _scaled(frame: np.ndarray, frame_height: int, crop: tuple[int, int]) -> np.ndarray:
    return np.ascontiguousarray(scale_to(frame, scaled_size(frame.shape[:2], frame_height, crop)))


def _all_masks(masks: Path | None, size: tuple[int, int], count: int) -> list[np.ndarray] | None:
    """Every frame's object mask (``(H, W)`` uint8 0/255 at the frames' size), when a DAVIS-style
    ``masks/`` folder has one per frame; else ``None``."""
    if masks is None or not masks.is_dir():
        return None
    files = _images(masks)[:count]
    if len(files) != count:
        return None
    return [scale_to((np.asarray(Image.open(p).convert("L")) > 127).astype(np.uint8) * 255, size,
                     nearest=True) for p in files]


def _shapes(masks: Path | None) -> list[np.ndarray]:
    """Object silhouettes from a DAVIS-style ``masks/`` folder (evenly spaced frames)."""
    if masks is None or not masks.is_dir():
        return []
    files = _images(masks)
    step = max(1, len(files) // MAX_SHAPES_PER_CLIP)
    shapes = []
    for path in files[::step]:
        mask = np.asarray(Image.open(path).convert("L"))
        shape = shape_of(mask)
        if shape is not None:
            shapes.append(shape)
    return shapes
