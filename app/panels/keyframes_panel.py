"""Keyframes: every mask keyframe (per object) and content keyframe; jump to one, delete one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from app.commands import ClearMaskCommand, SetContentKeyframeCommand
from app.panels.list_panel import lay_out_list, swatch, tool_button
from app.session import Session
from core.project import MaskKind

CONTENT = "content"


class KeyframesPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Frame", "Kind"])
        self.tree.setRootIsDecorated(False)
        self.tree.itemActivated.connect(self._jump)
        self.tree.itemClicked.connect(self._jump)
        self.delete_button = tool_button("fa6s.trash", "Delete the selected keyframe (undoable)", self.delete_selected)
        lay_out_list(self, self.tree, [self.delete_button])
        session.projectReplaced.connect(self.refresh)
        session.projectChanged.connect(lambda e: e.kind in ("mask", "content", "objects") and self.refresh())
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        project = self.session.project
        if project is None:
            return
        rows = []
        for obj in project.objects:
            for frame in project.mask_frames(obj.id, MaskKind.KEYFRAME):
                rows.append((frame, f"Mask: {obj.name}", obj.id, obj.colour))
        for frame in project.content_keyframes():
            rows.append((frame, "Fixed by hand", CONTENT, (70, 150, 255)))
        for frame, label, key, colour in sorted(rows, key=lambda r: (r[0], r[1])):
            item = QTreeWidgetItem([str(frame), label])
            item.setData(0, Qt.UserRole, (frame, key))
            item.setIcon(1, swatch(colour, 10))
            self.tree.addTopLevelItem(item)

    def delete_selected(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        frame, key = item.data(0, Qt.UserRole)
        project = self.session.project
        if key == CONTENT:
            self.session.push(SetContentKeyframeCommand(project, frame, None))
        else:
            self.session.push(ClearMaskCommand(project, self.session.object_ref(key), frame))

    def _jump(self, item: QTreeWidgetItem) -> None:
        frame, _ = item.data(0, Qt.UserRole)
        self.session.set_frame(frame)
