"""The window's actions, menus and toolbars, with their shortcuts and icons."""

from __future__ import annotations

from functools import partial

import qtawesome as qta
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolBar

ICON_COLOUR = "#dcdcdc"


def _icon(name: str):
    return qta.icon(name, color=ICON_COLOUR, color_disabled="#707070")


class WindowActions:
    """Builds every action of ``window`` (a MainWindow) and wires it to the window's parts."""

    def __init__(self, window) -> None:
        self.w = window
        files, ops, playback = window.files, window.operations, window.playback
        g = window.guard  # shows KeyfillErrors instead of raising them into Qt
        stack = window.session.undo_stack
        # --- file
        self.new_clip = self._action("New project from clip…", g(files.new_from_clip), "fa6s.file-video", QKeySequence.New)
        self.new_folder = self._action("New project from image folder…", g(files.new_from_folder), "mdi6.folder-multiple-image")
        self.open = self._action("Open project…", g(files.open_dialog), "fa6s.folder-open", QKeySequence.Open)
        self.save = self._action("Save project", g(files.save), "fa6s.floppy-disk", QKeySequence.Save)
        self.save_as = self._action("Save project as…", g(lambda: files.save_as()), None, QKeySequence.SaveAs)
        self.relink = self._action("Relink clip…", g(ops.relink))
        self.load_model = self._action("Load removal model…", g(lambda: ops.load_model()), "fa6s.file-import",
                                       tip="Choose the removal network's weights (.pt) used by the preview, "
                                           "Remove object and Export")
        self.export = self._action("Export…", g(ops.export), "fa6s.file-export", "Ctrl+E")
        self.quit = self._action("Quit", window.close, None, QKeySequence.Quit)
        # --- edit
        self.undo = stack.createUndoAction(window, "Undo")
        self.undo.setShortcut(QKeySequence.Undo)
        self.undo.setIcon(_icon("fa6s.rotate-left"))
        self.undo.setProperty("sheet_name", "Undo")  # its text names the step it undoes
        self.redo = stack.createRedoAction(window, "Redo")
        # both, on every platform (QKeySequence.Redo is only one of them, and Ctrl+Shift+Z on X11)
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo.setIcon(_icon("fa6s.rotate-right"))
        self.redo.setProperty("sheet_name", "Redo")
        self.settings = self._action("Settings…", g(ops.edit_settings), "fa6s.gear", QKeySequence.Preferences)
        # --- clip work
        self.propagate = self._action("Propagate masks", g(ops.propagate), "mdi6.animation-play", "Ctrl+P",
                                      tip="Rotoscope every frame from the mask keyframes")
        self.remove = self._action("Remove object", g(ops.remove_whole_clip), "fa6s.wand-magic-sparkles", "Ctrl+R",
                                   tip="Remove the visible objects from the whole clip")
        self.fix_frame = self._action("Fix frame by hand…", g(lambda: ops.fix_frame()), "mdi6.image-edit",
                                      tip="Import an image as this frame's replacement (a content keyframe); "
                                          "or paint one with the clone stamp (S)")
        self.train = self._action("Train on this clip…", window.show_trainer, "fa6s.brain",
                                  tip="Fine-tune the removal network on this clip (the Training panel)")
        # --- tools
        self.tool_group = QActionGroup(window)
        self.brush = self._tool("Brush", "brush", "fa6s.paintbrush", "B")
        self.eraser = self._tool("Eraser", "eraser", "fa6s.eraser", "E")
        self.lasso = self._tool("Lasso", "lasso", "mdi6.lasso", "P")
        self.clone = self._tool("Clone stamp", "clone", "fa6s.stamp", "S",
                                tip="Clone stamp: Alt- or Ctrl-click sets the source, strokes copy from it and "
                                    "make the frame a content keyframe")
        self.brush.setChecked(True)
        self.smaller = self._action("Smaller brush", window.brush.shrink, None, "[")
        self.larger = self._action("Larger brush", window.brush.grow, None, "]")
        # --- view
        self.layer_masks = self._layer("Object masks", "masks", "mdi6.layers", "M", True)
        self.layer_result = self._layer("Removal result", "result", "mdi6.image-check-outline", "R", False)
        self.layer_heat = self._layer("Flow consistency", "heat", "fa6s.fire", "H", False)
        self.layer_wipe = self._layer("Before / after wipe", "wipe", "mdi6.compare-horizontal", "W", False)
        self.heat_group = QActionGroup(window)
        self.heat_next = self._heat("Compare with the next frame", "next", True)
        self.heat_keyframe = self._heat("Compare with the nearest keyframe", "keyframe", False)
        self.fit = self._action("Fit", window.canvas.fit, "mdi6.fit-to-screen", "F")
        self.one_to_one = self._action("1:1", window.canvas.one_to_one, "mdi6.numeric-1-box-outline", "1")
        self.zoom_in = self._action("Zoom in", partial(window.canvas.zoom_by, 1.25), None, QKeySequence.ZoomIn)
        self.zoom_out = self._action("Zoom out", partial(window.canvas.zoom_by, 0.8), None, QKeySequence.ZoomOut)
        # --- playback
        self.play = self._action("Play / pause", playback.toggle, "fa6s.play", "Space")
        # the key is not in the text: the menu, the tooltip and the shortcuts sheet add it beside
        self.reverse = self._action("Play backwards, faster each press", playback.reverse, "fa6s.backward", "J")
        self.pause = self._action("Pause", playback.pause, "fa6s.pause", "K")
        self.forward = self._action("Play forwards, faster each press", playback.forward, "fa6s.forward", "L")
        self.previous = self._action("Previous frame", partial(playback.step, -1), "fa6s.backward-step", "Left")
        self.next = self._action("Next frame", partial(playback.step, 1), "fa6s.forward-step", "Right")
        self.first = self._action("First frame", partial(playback.go_to, 0), None, "Home")
        self.last = self._action("Last frame", lambda: playback.go_to(window.session.frame_count - 1), None, "End")
        self.least_certain = self._action("Jump to the least certain frame", window.timeline.jump_to_least_certain,
                                          None, "U",
                                          tip="Go to the propagated frame the propagation is least sure of: "
                                              "where another keyframe pays most")
        # --- help
        self.shortcuts = self._action("Keyboard shortcuts", window.show_shortcuts, "fa6s.keyboard",
                                      QKeySequence.HelpContents)
        self._build_menus()
        self._build_toolbars()
        files.recentChanged.connect(self._rebuild_recent)
        self._rebuild_recent()
        window.session.projectReplaced.connect(self.update_enabled)
        window.jobs.changed.connect(self.update_enabled)
        self.update_enabled()

    def update_enabled(self) -> None:
        has_project = self.w.session.project is not None
        for action in (self.save, self.save_as, self.relink, self.export, self.propagate, self.remove,
                       self.fix_frame, self.train, self.play, self.reverse, self.forward, self.previous, self.next,
                       self.least_certain):
            action.setEnabled(has_project)
        self.propagate.setEnabled(has_project and not self.w.jobs.is_running("Propagating masks"))
        self.remove.setEnabled(has_project and not self.w.jobs.is_running("Removing objects"))

    # --- menus and toolbars ----------------------------------------------------------------
    def _painting_tools(self) -> list[QAction]:
        return [self.brush, self.eraser, self.lasso, self.clone]  # the Tools menu's and toolbar's

    def _layers(self) -> list[QAction]:
        return [self.layer_masks, self.layer_result, self.layer_heat, self.layer_wipe]  # the View menu's and toolbar's

    def _build_menus(self) -> None:
        bar = self.w.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.new_clip, self.new_folder, self.open])
        self.recent_menu = file.addMenu("Open recent")
        file.addSeparator()
        file.addActions([self.save, self.save_as, self.relink])
        file.addSeparator()
        file.addAction(self.load_model)
        file.addSeparator()
        file.addActions([self.export])
        file.addSeparator()
        file.addAction(self.quit)
        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo, self.redo])
        edit.addSeparator()
        edit.addAction(self.settings)
        clip = bar.addMenu("&Clip")
        clip.addActions([self.propagate, self.remove, self.fix_frame, self.train])
        tools = bar.addMenu("&Tools")
        tools.addActions(self._painting_tools())
        tools.addSeparator()
        tools.addActions([self.smaller, self.larger])
        view = bar.addMenu("&View")
        view.addActions(self._layers())
        heat = view.addMenu("Flow consistency compares")
        heat.addActions([self.heat_next, self.heat_keyframe])
        view.addSeparator()
        view.addActions([self.fit, self.one_to_one, self.zoom_in, self.zoom_out])
        self.panels_menu = view.addMenu("Panels")
        play = bar.addMenu("&Playback")
        play.addActions([self.play, self.reverse, self.pause, self.forward])
        play.addSeparator()
        play.addActions([self.previous, self.next, self.first, self.last])
        play.addSeparator()
        play.addAction(self.least_certain)
        bar.addMenu("&Help").addAction(self.shortcuts)

    def _build_toolbars(self) -> None:
        main = self._toolbar("Main")
        main.addActions([self.open, self.save])
        main.addSeparator()
        main.addActions([self.propagate, self.remove, self.fix_frame, self.train, self.export])
        main.addSeparator()
        main.addActions([self.undo, self.redo])
        self._toolbar("Tools").addActions(self._painting_tools())
        view = self._toolbar("View")
        view.addActions(self._layers())
        view.addSeparator()
        view.addActions([self.fit, self.one_to_one])

    def _toolbar(self, name: str) -> QToolBar:
        bar = self.w.addToolBar(name)
        bar.setObjectName(f"{name} toolbar")
        bar.setMovable(False)
        return bar

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.w.files.recent():
            self.recent_menu.addAction(path, self.w.guard(partial(self.w.files.open_path, path)))
        if not self.recent_menu.isEmpty():
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear", self.w.files.clear_recent)
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    # --- action factories ------------------------------------------------------------------
    def _action(self, text, slot, icon=None, shortcut=None, tip=None) -> QAction:
        action = QAction(text, self.w)
        if icon:
            action.setIcon(_icon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        tip = tip or text
        action.setToolTip(f"{tip} ({action.shortcut().toString()})" if shortcut is not None else tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        self.w.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _tool(self, text, name, icon, shortcut, tip=None) -> QAction:
        action = self._action(text, partial(self.w.select_tool, name), icon, shortcut, tip)
        action.setCheckable(True)
        self.tool_group.addAction(action)
        return action

    def _layer(self, text, name, icon, shortcut, on) -> QAction:
        action = QAction(_icon(icon), text, self.w)
        action.setCheckable(True)
        action.setChecked(on)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{text} ({shortcut})")
        action.toggled.connect(partial(self.w.viewer.set_layer, name))
        self.w.addAction(action)
        return action

    def _heat(self, text, reference, on) -> QAction:
        action = QAction(text, self.w)
        action.setCheckable(True)
        action.setChecked(on)
        action.triggered.connect(partial(self.w.viewer.set_heat_reference, reference))
        self.heat_group.addAction(action)
        return action
