"""The window's view of one editing session: the project document plus what the user looks at.

The :class:`~core.project.Project` owns the state; this object only relays its changes as Qt
signals, holds the undo stack whose commands change it, and the view state that is not saved in
the project (the current frame, the active object). Widgets observe it; none keeps its own copy.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.commands import ObjectRef, ObjectRefs
from core.project import Project, ProjectEvent
from core.cleaned_frames import CleanedFrames

UNDO_LIMIT = 200


class Session(QObject):
    projectReplaced = Signal()  # another project (or none) is open: rebuild everything
    projectChanged = Signal(object)  # ProjectEvent, after the document changed
    frameChanged = Signal(int)
    activeObjectChanged = Signal(object)  # object id or None
    renderedChanged = Signal()  # cleaned frames were stored, or an edit made some out of date

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.refs = ObjectRefs()
        self.render_cache: CleanedFrames | None = None  # cleaned frames kept for the preview (with the project)
        self.chosen_model = None  # File › Load removal model's file (None: core's default); part of the frames' keys
        self.device = "auto"  # where the network renders (the app's setting); part of the frames' keys too
        self.frame = 0
        self.active_object: int | None = None
        self._unsubscribe = None

    # --- the document ----------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.render_cache is not None:
            self.render_cache.close()
        self.undo_stack.clear()
        self.refs = ObjectRefs()
        self.project = project
        self.render_cache = CleanedFrames(project, chosen_model=self.chosen_model,
                                          device=self.device) if project is not None else None
        self.frame = 0
        self.active_object = project.objects[0].id if project and project.objects else None
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_event)
        self.projectReplaced.emit()
        self.frameChanged.emit(self.frame)
        self.activeObjectChanged.emit(self.active_object)

    def close(self) -> None:
        self.set_project(None)

    @property
    def frame_count(self) -> int:
        return self.project.clip.frame_count if self.project else 0

    def push(self, command) -> None:
        """Run an edit through the undo stack."""
        self.undo_stack.push(command)

    def object_ref(self, object_id: int) -> ObjectRef:
        return self.refs.ref(object_id)

    # --- view state ------------------------------------------------------------------------
    def set_frame(self, frame: int) -> None:
        if self.project is None:
            return
        frame = max(0, min(int(frame), self.frame_count - 1))
        if frame != self.frame:
            self.frame = frame
            self.frameChanged.emit(frame)

    def set_active_object(self, object_id: int | None) -> None:
        if object_id != self.active_object:
            self.active_object = object_id
            self.activeObjectChanged.emit(object_id)

    def mark_rendered(self) -> None:
        self.renderedChanged.emit()

    def set_chosen_model(self, path) -> None:
        """The removal renders with another model file: frames rendered with the old one are not shown."""
        self.chosen_model = path
        if self.render_cache is not None:
            self.render_cache.set_chosen_model(path)
            self.renderedChanged.emit()

    def set_device(self, device: str) -> None:
        """The removal renders on another device (CUDA computes in half precision): frames
        rendered on the old one are not shown."""
        if device == self.device:
            return
        self.device = device
        if self.render_cache is not None:
            self.render_cache.set_device(device)
            self.renderedChanged.emit()

    # --- relaying the document's changes ---------------------------------------------------
    def _on_event(self, event: ProjectEvent) -> None:
        if event.kind in ("mask", "content", "objects", "settings", "clip") and self.render_cache is not None:
            self.render_cache.update(event)  # the frames the edit reaches get new keys: no longer ready
            self.renderedChanged.emit()
        if event.kind == "objects":
            ids = [o.id for o in self.project.objects]
            if self.active_object not in ids:
                self.set_active_object(ids[-1] if ids else None)
        self.projectChanged.emit(event)
