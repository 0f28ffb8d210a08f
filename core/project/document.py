"""The project document: the one owner of an editing session's state.

It holds the clip reference, the objects and their per-frame masks (keyframes painted by the user
and propagated ones), the content keyframes (frames the user fixed by hand) and the settings.
Views follow it through :meth:`Project.subscribe`; nothing here knows about Qt. Mutations happen on
one thread (the window's); workers read masks, which are copied out on every read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from core.errors import MaskError, SettingsError
from core.project.mask_track import MaskKind, MaskTrack

OBJECT_COLOURS = [(255, 64, 64), (64, 160, 255), (80, 220, 100), (255, 200, 40), (200, 90, 255)]


@dataclass
class ObjectTrack:
    """One object to rotoscope / remove: its name, overlay colour and visibility."""

    id: int
    name: str
    colour: tuple[int, int, int]
    visible: bool = True


WORKING_WIDTHS = range(64, 8193)
"""Pixels. Narrower leaves optical flow nothing to work with (DIS needs 12 px); 8192 is an 8K frame."""
MAX_FEATHER = 100.0  # pixels
MAX_QUALITY = 51  # H.264 CRF
MAX_PATH = 4096  # characters of a file name kept in the settings


@dataclass
class ProjectSettings:
    """Per-project settings saved with the project (application settings live in the app).

    Ranges are checked on creation (and so on every ``update_settings``): a value out of range
    raises :class:`SettingsError`.
    """

    working_width: int = 480  # pixels: flow and network run at this width, results are upsampled
    removal_method: str = "auto"  # "auto" (network when a checkpoint loads), "network" or "flow"
    feather: float = 2.0  # pixels of mask feathering when compositing the removal
    refine_outlines: bool = True  # rotoscoping: the clip refiner learned from the keyframes (slower)
    export_codec: str = "h264"
    export_quality: int = 18
    removal_model: str = ""  # the weights fine-tuned on this clip (a .pt file); "": the shipped model
    fill_texture: bool = False  # removal: what no frame shows gets the texture around it (False: Telea's smear)

    def __post_init__(self) -> None:
        check_working_width(self.working_width)
        check_model_file(self.removal_model)
        if not 0 <= self.feather <= MAX_FEATHER:  # NaN fails this too
            raise SettingsError(f"The feather {self.feather!r} is out of range (0 to {MAX_FEATHER:g} pixels)",
                                "choose a feather in that range, 2 is the default")
        if not 0 <= self.export_quality <= MAX_QUALITY:
            raise SettingsError(f"The export quality {self.export_quality!r} is out of range (0 to {MAX_QUALITY})",
                                "choose a quality in that range, 18 is the default")


def check_working_width(width) -> int:
    """``width`` if it is a whole number of pixels in :data:`WORKING_WIDTHS`, else :class:`SettingsError`."""
    if isinstance(width, bool) or not isinstance(width, int) or width not in WORKING_WIDTHS:
        raise SettingsError(
            f"The working width {width!r} is out of range ({WORKING_WIDTHS.start} to {WORKING_WIDTHS.stop - 1} "
            "pixels)", "choose a width in that range, 480 is the default")
    return width


def check_model_file(path) -> str:
    """``path`` if it can name a model file ("" for none), else :class:`SettingsError`."""
    if not isinstance(path, str) or "\0" in path or len(path) > MAX_PATH:
        raise SettingsError(f"The removal model {str(path)[:80]!r} is not a file name",
                            "fine-tune again or use the shipped weights (Training panel)")
    return path


@dataclass(frozen=True)
class ClipRef:
    """What the project knows of its clip without opening it."""

    path: Path
    width: int
    height: int
    frame_count: int
    frame_rate: Fraction


@dataclass(frozen=True)
class ProjectEvent:
    """A change. ``kind``: "mask", "objects", "content", "settings", "clip"."""

    kind: str
    frames: tuple[int, ...] = ()
    object_id: int | None = None


Observer = Callable[[ProjectEvent], None]


@dataclass
class Project:
    clip: ClipRef
    objects: list[ObjectTrack] = field(default_factory=list)
    settings: ProjectSettings = field(default_factory=ProjectSettings)
    path: Path | None = None  # where it was last saved / loaded
    _tracks: dict[int, MaskTrack] = field(default_factory=dict, repr=False)
    _content: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _observers: list[Observer] = field(default_factory=list, repr=False)
    revision: int = 0  # bumped on every change; `saved_revision` tells if there is unsaved work
    saved_revision: int = 0
    # The clip found at clip.path when loading, if its frame count or rate is no longer the
    # project's (core.project.clip_check); not saved. `reprobe` adopts it.
    clip_on_disk: ClipRef | None = field(default=None, repr=False, compare=False)

    # --- observers -------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call ``observer(event)`` after every change; returns a function that unsubscribes."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def _changed(self, event: ProjectEvent) -> None:
        self.revision += 1
        for observer in list(self._observers):
            observer(event)

    @property
    def dirty(self) -> bool:
        return self.revision != self.saved_revision

    # --- objects ---------------------------------------------------------------------------
    def add_object(self, name: str | None = None, colour: tuple[int, int, int] | None = None) -> ObjectTrack:
        new_id = max((o.id for o in self.objects), default=0) + 1
        obj = ObjectTrack(
            id=new_id,
            name=name or f"Object {new_id}",
            colour=colour or OBJECT_COLOURS[(new_id - 1) % len(OBJECT_COLOURS)],
        )
        self.objects.append(obj)
        self._tracks[new_id] = MaskTrack(self.clip.width, self.clip.height)
        self._changed(ProjectEvent("objects", object_id=new_id))
        return obj

    def update_object(self, object_id: int, **changes) -> None:
        """Change an object's ``name``, ``colour`` or ``visible``."""
        obj = self.object(object_id)
        for key, value in changes.items():
            if key not in ("name", "colour", "visible"):
                raise TypeError(f"unknown object attribute {key!r}")
            setattr(obj, key, value)
        self._changed(ProjectEvent("objects", object_id=object_id))

    def remove_object(self, object_id: int) -> None:
        self.objects.remove(self.object(object_id))
        self._tracks.pop(object_id, None)
        self._changed(ProjectEvent("objects", object_id=object_id))

    def object(self, object_id: int) -> ObjectTrack:
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        raise KeyError(f"no object with id {object_id}")

    # --- masks -----------------------------------------------------------------------------
    def mask(self, object_id: int, frame: int) -> np.ndarray | None:
        """``(H, W)`` uint8 0/255 mask of an object on a frame, or None."""
        return self._track(object_id).get(frame)

    def packed_mask(self, object_id: int, frame: int) -> bytes | None:
        """The mask as stored (``np.packbits`` of ``mask > 0``, immutable), or None: cheap to hash."""
        return self._track(object_id).packed(frame)

    def mask_kind(self, object_id: int, frame: int) -> MaskKind | None:
        return self._track(object_id).kind(frame)

    def set_mask(self, object_id: int, frame: int, mask: np.ndarray, kind: MaskKind = MaskKind.KEYFRAME) -> None:
        """Store a mask. A propagated mask never replaces a keyframe (it is silently skipped)."""
        self._check_frame(frame)
        track = self._track(object_id)
        if kind == MaskKind.PROPAGATED and track.kind(frame) == MaskKind.KEYFRAME:
            return
        track.set(frame, mask, kind)
        self._changed(ProjectEvent("mask", frames=(frame,), object_id=object_id))

    def set_propagated_masks(self, object_id: int, masks: dict[int, np.ndarray]) -> None:
        """Store many propagated masks with one notification (keyframes are kept)."""
        track = self._track(object_id)
        written = []
        for frame, mask in masks.items():
            self._check_frame(frame)
            if track.kind(frame) != MaskKind.KEYFRAME:
                track.set(frame, mask, MaskKind.PROPAGATED)
                written.append(frame)
        if written:
            self._changed(ProjectEvent("mask", frames=tuple(sorted(written)), object_id=object_id))

    def clear_mask(self, object_id: int, frame: int) -> None:
        self._track(object_id).remove(frame)
        self._changed(ProjectEvent("mask", frames=(frame,), object_id=object_id))

    def mask_frames(self, object_id: int, kind: MaskKind | None = None) -> list[int]:
        return self._track(object_id).frames(kind)

    def mask_keyframes(self, object_id: int | None = None) -> list[int]:
        """Sorted frames with a user-painted mask (of one object, or of any object)."""
        ids = [object_id] if object_id is not None else [o.id for o in self.objects]
        return sorted({f for i in ids for f in self._track(i).frames(MaskKind.KEYFRAME)})

    def removal_mask(self, frame: int) -> np.ndarray | None:
        """Union of the visible objects' masks on ``frame`` (what removal fills), or None."""
        union = None
        for obj in self.objects:
            if not obj.visible:
                continue
            mask = self._track(obj.id).get(frame)
            if mask is not None:
                union = mask if union is None else np.maximum(union, mask)
        return union

    # --- content keyframes -----------------------------------------------------------------
    def set_content_keyframe(self, frame: int, image: np.ndarray) -> None:
        """A hand-fixed frame ``(H, W, 3)`` uint8 RGB; it always wins over rendered content."""
        self._check_frame(frame)
        if image.shape != (self.clip.height, self.clip.width, 3) or image.dtype != np.uint8:
            raise MaskError(
                f"A replacement frame must be {self.clip.width}x{self.clip.height} RGB 8-bit, "
                f"got {image.shape} {image.dtype}; resize or convert it first."
            )
        self._content[frame] = image.copy()
        self._changed(ProjectEvent("content", frames=(frame,)))

    def content_keyframe(self, frame: int) -> np.ndarray | None:
        image = self._content.get(frame)
        return None if image is None else image.copy()

    def content_keyframes(self) -> list[int]:
        return sorted(self._content)

    def remove_content_keyframe(self, frame: int) -> None:
        if self._content.pop(frame, None) is not None:
            self._changed(ProjectEvent("content", frames=(frame,)))

    # --- settings and clip -----------------------------------------------------------------
    def update_settings(self, **changes) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)
        self._changed(ProjectEvent("settings"))

    def relink(self, clip: ClipRef) -> None:
        """Point the project at a moved clip; it must have the same size and frame count."""
        if (clip.width, clip.height, clip.frame_count) != (self.clip.width, self.clip.height, self.clip.frame_count):
            raise MaskError(
                f"{clip.path.name} is {clip.width}x{clip.height}, {clip.frame_count} frames but the project's "
                f"clip was {self.clip.width}x{self.clip.height}, {self.clip.frame_count} frames; choose the same clip."
            )
        self.clip = clip
        self._changed(ProjectEvent("clip"))

    def reprobe(self, clip: ClipRef) -> None:
        """Take the clip as it is now: ``clip`` is the same file with another frame count or rate.

        Its size must be the project's (masks are drawn at it). Masks and content keyframes past
        its new end are dropped; the others stay on their frames.
        """
        if (clip.width, clip.height) != (self.clip.width, self.clip.height):
            raise MaskError(
                f"{clip.path.name} is {clip.width}x{clip.height} but the project's masks are "
                f"{self.clip.width}x{self.clip.height}; relink the project to a clip of that size.")
        for track in self._tracks.values():
            for frame in track.frames():
                if frame >= clip.frame_count:
                    track.remove(frame)
        self._content = {f: image for f, image in self._content.items() if f < clip.frame_count}
        self.clip, self.clip_on_disk = clip, None
        self._changed(ProjectEvent("clip"))

    # --- helpers ---------------------------------------------------------------------------
    def _track(self, object_id: int) -> MaskTrack:
        try:
            return self._tracks[object_id]
        except KeyError:
            raise KeyError(f"no object with id {object_id}") from None

    def _check_frame(self, frame: int) -> None:
        if not 0 <= frame < self.clip.frame_count:
            raise MaskError(
                f"Frame {frame} is outside the clip (0..{self.clip.frame_count - 1}); pick a frame inside it."
            )

    def _restore(self, object_id: int, frame: int, mask: np.ndarray, kind: MaskKind) -> None:
        """Loader's path: store without notifying."""
        self._track(object_id).set(frame, mask, kind)

    def _restore_packed(self, object_id: int, frame: int, packed: bytes, kind: MaskKind) -> None:
        """Loader's path for a mask packed once (``MaskTrack.pack``) and shared by many frames."""
        self._track(object_id).set_packed(frame, packed, kind)


def new_project(clip: ClipRef, object_names: Iterable[str] = ("Object 1",)) -> Project:
    """A fresh project on ``clip`` with one object per name."""
    project = Project(clip=clip)
    for name in object_names:
        project.add_object(name)
    project.saved_revision = project.revision = 0
    return project
