"""The main window: puts the viewer, timeline, panels, actions and status bar together.

State lives in the project document (``session.project``); this class only composes the parts
that observe it and the helpers that change it (commands, jobs).
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMessageBox, QScrollArea, QVBoxLayout, QWidget

from app.actions import WindowActions
from app.autosave import Autosaver
from app.clip_operations import ClipOperations
from app.notices import in_window_words
from app.panels.keyframes_panel import KeyframesPanel
from app.panels.objects_panel import ObjectsPanel
from app.panels.properties_panel import PropertiesPanel
from app.panels.trainer_panel import TrainerPanel
from app.project_files import ProjectFiles
from app.session import Session
from app.status_bar import StatusBar
from app.timeline.playback import Playback
from app.timeline.timeline_widget import TimelineWidget
from app.viewer.canvas import ViewerCanvas
from app.viewer.controller import ViewerController
from app.viewer.layers import frame_image
from app.viewer.tools import BrushSettings, BrushTool, CloneTool, LassoTool
from app.workers.tasks import THUMBNAIL_HEIGHT, thumbnails_task
from app.workers.threads import Job
from app.workers.tracker import JobTracker
from core.errors import KeyfillError

MAX_THUMBNAILS = 40


class MainWindow(QMainWindow):
    def __init__(self, path: str | Path | None = None, *, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Keyfill")
        self.resize(1400, 880)
        self.setAcceptDrops(True)
        self.app_settings = settings if settings is not None else QSettings("Keyfill", "Keyfill")
        # prompts block; without a screen (tests, CI) unsaved work is still in the autosave
        self.confirm_unsaved = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self.last_error: str | None = None
        self.session = Session(self)
        self.jobs = JobTracker(self)
        self.jobs.failed.connect(lambda title, message: self.show_error(message, title))
        self.brush = BrushSettings()
        self.canvas = ViewerCanvas()
        self.viewer = ViewerController(self.session, self.canvas)
        self.timeline = TimelineWidget(self.session)
        self.playback = Playback(self.session)
        self.status = StatusBar(self.jobs)
        self.setStatusBar(self.status)
        self.files = ProjectFiles(self.session, self.jobs, self.app_settings, self)
        self.operations = ClipOperations(self.session, self.jobs, self.app_settings, self)
        self.autosaver = Autosaver(self.session, self.jobs)
        self.files.saved.connect(lambda path: (self.autosaver.discard(), self._update_title(),
                                               self.status.showMessage(f"Saved {path}", 4000)))
        self.tools = {
            "brush": BrushTool(self.session, self.brush, self._shown_frame),
            "eraser": BrushTool(self.session, self.brush, self._shown_frame, eraser=True),
            "lasso": LassoTool(self.session, self.brush, self._shown_frame),
            "clone": CloneTool(self.session, self.brush, self._shown_frame, self.viewer.shown_content,
                               notice=self.status.show_notice),
        }
        self._build_layout()
        self.actions = WindowActions(self)
        self._build_docks()
        self.select_tool("brush")
        self.status.set_device_preference(self.operations.device_preference())
        self.viewer.set_render_options(device=self.operations.device_preference(),
                                       model_path=self.operations.model_path())
        self.session.set_chosen_model(self.operations.chosen_model())
        self.session.set_device(self.operations.device_preference())
        self.playback.speedChanged.connect(self.viewer.set_playing)
        self.viewer.busyChanged.connect(self.status.set_busy)
        self.viewer.problem.connect(self.status.show_notice)
        self.operations.noticed.connect(self.status.show_notice)
        self.viewer.fillChanged.connect(self.status.set_fill)
        self.canvas.playToggleRequested.connect(self.playback.toggle)
        self.brush.changed.connect(self.canvas.update)
        self.session.projectReplaced.connect(self._on_project_replaced)
        self.session.projectChanged.connect(lambda _: self._update_title())
        self.session.undo_stack.cleanChanged.connect(lambda _: self._update_title())
        self._update_title()
        if path is not None:
            self.files.open_path(path)

    # --- used by the parts -----------------------------------------------------------------
    def guard(self, fn):
        """``fn`` wrapped so that a KeyfillError it raises is shown, not raised into Qt."""
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except KeyfillError as exc:
                self.show_error(str(exc))
        return guarded

    def show_error(self, message: str, title: str = "Keyfill") -> None:
        message = in_window_words(message)
        self.last_error = message
        self.status.showMessage(message, 10000)
        box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()  # not exec(): never blocks the event loop

    def select_tool(self, name: str) -> None:
        self.canvas.tool = self.tools[name]
        if name == "clone":  # it paints the frame's content: show it (the removal result)
            self.actions.layer_result.setChecked(True)
        self.canvas.update()

    def show_trainer(self) -> None:
        self.trainer_dock.show()
        self.trainer_dock.raise_()
        # as tall as the panel asks, taken from the docks above and below: at the keyframes list's
        # height it showed the fields and the status, its plots only after scrolling
        self.resizeDocks([self.trainer_dock], [self.trainer_panel.sizeHint().height()], Qt.Vertical)

    def show_shortcuts(self):
        """Help › Keyboard shortcuts: the sheet of every shortcut, read from the actions."""
        from app.dialogs.shortcuts_sheet import ShortcutsSheet

        self.shortcuts_sheet = ShortcutsSheet(self)
        self.shortcuts_sheet.setAttribute(Qt.WA_DeleteOnClose)
        self.shortcuts_sheet.show()
        return self.shortcuts_sheet

    def open_path(self, path: str | Path) -> Job:
        return self.files.open_path(path)

    # --- layout ----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.timeline)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.objects_panel = ObjectsPanel(self.session)
        self.keyframes_panel = KeyframesPanel(self.session)
        self.properties_panel = PropertiesPanel(self.session, self.brush, self.viewer.mask_opacity)
        self.properties_panel.maskOpacityChanged.connect(self.viewer.set_mask_opacity)
        self.trainer_panel = TrainerPanel(self.session, self.operations)
        for title, panel in (("Objects", self.objects_panel), ("Keyframes", self.keyframes_panel),
                             ("Properties", self.properties_panel), ("Training", self.trainer_panel)):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{title} dock")
            dock.setWidget(_scrolling(panel) if panel is self.trainer_panel else panel)
            dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
            self.addDockWidget(Qt.RightDockWidgetArea, dock)
            self.actions.panels_menu.addAction(dock.toggleViewAction())
        docks = [self.findChild(QDockWidget, f"{title} dock") for title in ("Objects", "Keyframes", "Properties")]
        self.trainer_dock = self.findChild(QDockWidget, "Training dock")
        self.tabifyDockWidget(docks[1], self.trainer_dock)
        docks[1].raise_()
        self.resizeDocks(docks[:1], [280], Qt.Horizontal)
        self.resizeDocks(docks, [140, 260, 240], Qt.Vertical)  # few objects, many keyframes

    # --- session events --------------------------------------------------------------------
    def _shown_frame(self) -> int | None:
        return self.canvas.frame_index

    def _on_project_replaced(self) -> None:
        self._update_title()
        self.status.set_fill("")  # known again once the new project's preview renders
        project = self.session.project
        if project is None:
            return
        # as many thumbnails as fit the strip side by side at their own aspect ratio
        thumb_width = THUMBNAIL_HEIGHT * project.clip.width / project.clip.height
        count = max(1, min(project.clip.frame_count, MAX_THUMBNAILS, round(max(self.timeline.width(), 800) / thumb_width)))
        job = Job("Thumbnails", thumbnails_task(project.clip.path, count))
        self.jobs.start(job, lambda thumbs: self._set_thumbnails(project, thumbs), quiet=True)

    def _set_thumbnails(self, project, thumbnails) -> None:
        if project is self.session.project:
            self.timeline.set_thumbnails([frame_image(t) for t in thumbnails])

    def _update_title(self) -> None:
        project = self.session.project
        if project is None:
            self.setWindowTitle("Keyfill")
            return
        name = project.path.name if project.path else f"{project.clip.path.name} (unsaved)"
        self.setWindowTitle(f"{name}{' •' if project.dirty else ''} — Keyfill")

    # --- drag and drop, closing ------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files and self.may_discard():
            self.open_path(files[0])
            event.acceptProposedAction()

    def may_discard(self) -> bool:
        """Whether the open project may be replaced or closed (asks when there is unsaved work)."""
        project = self.session.project
        if project is None or not project.dirty or not self.confirm_unsaved:
            return True
        answer = QMessageBox.question(self, "Unsaved changes", "Save the changes to this project first?",
                                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
        if answer == QMessageBox.Save:
            return self.files.save_and_wait()
        return answer != QMessageBox.Cancel

    def closeEvent(self, event) -> None:
        if not self.may_discard():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop playback, cancel the jobs and stop the workers (idempotent)."""
        self.playback.pause()
        self.jobs.shutdown()
        self.viewer.shutdown()
        self.session.close()


def _scrolling(panel: QWidget) -> QScrollArea:
    """``panel`` in a scroll area as wide as it needs: a dock shorter than the panel scrolls
    instead of squeezing its rows (the Training panel's fields were clipped)."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    area.setMinimumWidth(panel.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
    return area
