"""Undo commands: every edit of the project document goes through one of these on the undo stack.

Masks kept for undo are bit-packed (a 1080p mask is 260 kB instead of 2 MB). Objects are named
by :class:`ObjectRef`, a handle whose id is updated when undoing a removal brings the object back
under a new id, so older commands on the stack still find it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QUndoCommand

from core.project import MaskKind, Project


class ObjectRef:
    """A stable handle on one object of the project."""

    __slots__ = ("id",)

    def __init__(self, object_id: int) -> None:
        self.id = object_id


class ObjectRefs:
    """One handle per object id, shared by every command that names the object."""

    def __init__(self) -> None:
        self._refs: dict[int, ObjectRef] = {}

    def ref(self, object_id: int) -> ObjectRef:
        return self._refs.setdefault(object_id, ObjectRef(object_id))

    def rebind(self, ref: ObjectRef, new_id: int) -> None:
        self._refs.pop(ref.id, None)
        ref.id = new_id
        self._refs[new_id] = ref


class PackedMask:
    """A ``(H, W)`` 0/255 mask stored as bits."""

    __slots__ = ("shape", "bits")

    def __init__(self, mask: np.ndarray) -> None:
        self.shape = mask.shape
        self.bits = np.packbits(mask > 0)

    def unpack(self) -> np.ndarray:
        count = self.shape[0] * self.shape[1]
        return (np.unpackbits(self.bits, count=count).reshape(self.shape) * np.uint8(255)).astype(np.uint8)


Saved = tuple[PackedMask, MaskKind] | None


def save_mask(project: Project, object_id: int, frame: int) -> Saved:
    mask = project.mask(object_id, frame)
    return None if mask is None else (PackedMask(mask), project.mask_kind(object_id, frame))


def restore_mask(project: Project, object_id: int, frame: int, saved: Saved) -> None:
    """Put back exactly what :func:`save_mask` saw: the mask and its kind, or no mask."""
    if saved is None:
        if project.mask_kind(object_id, frame) is not None:
            project.clear_mask(object_id, frame)
        return
    packed, kind = saved
    if kind == MaskKind.PROPAGATED and project.mask_kind(object_id, frame) == MaskKind.KEYFRAME:
        project.clear_mask(object_id, frame)  # set_mask never lets a propagated mask replace a keyframe
    project.set_mask(object_id, frame, packed.unpack(), kind)


class SetMaskCommand(QUndoCommand):
    """A stroke, a lasso fill or an imported mask: the frame becomes a mask keyframe."""

    def __init__(self, project: Project, ref: ObjectRef, frame: int, mask: np.ndarray, text: str = "Paint") -> None:
        super().__init__(f"{text} (frame {frame})")
        self._project, self._ref, self._frame = project, ref, frame
        self._before = save_mask(project, ref.id, frame)
        self._after = PackedMask(mask)

    def redo(self) -> None:
        self._project.set_mask(self._ref.id, self._frame, self._after.unpack(), MaskKind.KEYFRAME)

    def undo(self) -> None:
        restore_mask(self._project, self._ref.id, self._frame, self._before)


class ClearMaskCommand(QUndoCommand):
    """Delete one frame's mask (a keyframe from the keyframe list)."""

    def __init__(self, project: Project, ref: ObjectRef, frame: int) -> None:
        super().__init__(f"Delete mask keyframe (frame {frame})")
        self._project, self._ref, self._frame = project, ref, frame
        self._before = save_mask(project, ref.id, frame)

    def redo(self) -> None:
        restore_mask(self._project, self._ref.id, self._frame, None)

    def undo(self) -> None:
        restore_mask(self._project, self._ref.id, self._frame, self._before)


class PropagateCommand(QUndoCommand):
    """Store the masks rotoscoping computed for one object; keyframes are never replaced."""

    def __init__(self, project: Project, ref: ObjectRef, masks: dict[int, np.ndarray]) -> None:
        super().__init__(f"Propagate masks ({len(masks)} frames)")
        self._project, self._ref = project, ref
        keyframes = set(project.mask_frames(ref.id, MaskKind.KEYFRAME))
        self._after = {f: PackedMask(m) for f, m in masks.items() if f not in keyframes}
        self._before = {f: save_mask(project, ref.id, f) for f in self._after}

    def redo(self) -> None:
        self._project.set_propagated_masks(self._ref.id, {f: p.unpack() for f, p in self._after.items()})

    def undo(self) -> None:
        previous = {f: s[0].unpack() for f, s in self._before.items() if s is not None}
        for frame, saved in self._before.items():
            if saved is None:
                restore_mask(self._project, self._ref.id, frame, None)
        self._project.set_propagated_masks(self._ref.id, previous)


class AddObjectCommand(QUndoCommand):
    def __init__(self, project: Project, refs: ObjectRefs, name: str | None = None) -> None:
        super().__init__("Add object")
        self._project, self._refs, self._name = project, refs, name
        self._colour: tuple[int, int, int] | None = None
        self.ref: ObjectRef | None = None

    def redo(self) -> None:
        obj = self._project.add_object(self._name, self._colour)
        self._name, self._colour = obj.name, obj.colour
        if self.ref is None:
            self.ref = self._refs.ref(obj.id)
        else:
            self._refs.rebind(self.ref, obj.id)

    def undo(self) -> None:
        self._project.remove_object(self.ref.id)


class RemoveObjectCommand(QUndoCommand):
    """Remove an object and its masks; undo brings both back."""

    def __init__(self, project: Project, refs: ObjectRefs, ref: ObjectRef) -> None:
        obj = project.object(ref.id)
        super().__init__(f"Remove {obj.name}")
        self._project, self._refs, self._ref = project, refs, ref
        self._fields = (obj.name, obj.colour, obj.visible)
        self._masks = {f: save_mask(project, ref.id, f) for f in project.mask_frames(ref.id)}

    def redo(self) -> None:
        self._project.remove_object(self._ref.id)

    def undo(self) -> None:
        name, colour, visible = self._fields
        obj = self._project.add_object(name, colour)
        self._refs.rebind(self._ref, obj.id)
        if not visible:
            self._project.update_object(obj.id, visible=False)
        propagated = {}
        for frame, (packed, kind) in self._masks.items():
            if kind == MaskKind.KEYFRAME:
                self._project.set_mask(obj.id, frame, packed.unpack(), kind)
            else:
                propagated[frame] = packed.unpack()
        self._project.set_propagated_masks(obj.id, propagated)


class UpdateObjectCommand(QUndoCommand):
    """Rename, recolour, show or hide an object."""

    def __init__(self, project: Project, ref: ObjectRef, **changes) -> None:
        obj = project.object(ref.id)
        super().__init__(f"Change {obj.name}")
        self._project, self._ref, self._after = project, ref, changes
        self._before = {key: getattr(obj, key) for key in changes}

    def redo(self) -> None:
        self._project.update_object(self._ref.id, **self._after)

    def undo(self) -> None:
        self._project.update_object(self._ref.id, **self._before)


class SetContentKeyframeCommand(QUndoCommand):
    """Fix a frame by hand (``image``) or delete its fix (``image=None``)."""

    def __init__(self, project: Project, frame: int, image: np.ndarray | None) -> None:
        super().__init__(f"{'Fix' if image is not None else 'Delete fix of'} frame {frame}")
        self._project, self._frame = project, frame
        self._before = project.content_keyframe(frame)
        self._after = image

    def redo(self) -> None:
        self._apply(self._after)

    def undo(self) -> None:
        self._apply(self._before)

    def _apply(self, image: np.ndarray | None) -> None:
        if image is None:
            self._project.remove_content_keyframe(self._frame)
        else:
            self._project.set_content_keyframe(self._frame, image)


class PaintContentCommand(QUndoCommand):
    """A stroke painted on a frame (the clone stamp): the frame becomes, or stays, a content keyframe.

    Only the rectangle the stroke changed is kept for undo, before and after; the whole frame only
    when the stroke made the keyframe (it started from a rendered frame that is stored nowhere else).
    """

    def __init__(self, project: Project, frame: int, image: np.ndarray, text: str = "Paint") -> None:
        super().__init__(f"{text} (frame {frame})")
        self._project, self._frame = project, frame
        before = project.content_keyframe(frame)
        self._made = image.copy() if before is None else None
        self._box = _changed_box(before, image) if before is not None else None
        self._patches = (before[self._box].copy(), image[self._box].copy()) if self._box else None

    def redo(self) -> None:
        if self._made is not None:
            self._project.set_content_keyframe(self._frame, self._made)
        elif self._patches is not None:
            self._put(self._patches[1])

    def undo(self) -> None:
        if self._made is not None:
            self._project.remove_content_keyframe(self._frame)
        elif self._patches is not None:
            self._put(self._patches[0])

    def _put(self, patch: np.ndarray) -> None:
        image = self._project.content_keyframe(self._frame)
        image[self._box] = patch
        self._project.set_content_keyframe(self._frame, image)


def _changed_box(before: np.ndarray, after: np.ndarray) -> tuple[slice, slice] | None:
    """The smallest (rows, columns) slices holding every pixel that differs; None if none does."""
    changed = np.any(before != after, axis=2)
    rows, cols = np.nonzero(changed.any(axis=1))[0], np.nonzero(changed.any(axis=0))[0]
    if not len(rows):
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


class UpdateSettingsCommand(QUndoCommand):
    def __init__(self, project: Project, **changes) -> None:
        super().__init__("Change project settings")
        self._project, self._after = project, changes
        self._before = {key: getattr(project.settings, key) for key in changes}

    def redo(self) -> None:
        self._project.update_settings(**self._after)

    def undo(self) -> None:
        self._project.update_settings(**self._before)
