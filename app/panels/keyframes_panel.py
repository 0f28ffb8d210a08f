"""Keyframes: every mask keyframe (per object) and content keyframe; jump to one, delete one."""

from __future__ import annotations

import qtawesome as qta
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.commands import ClearMaskCommand, SetContentKeyframeCommand
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
        self.delete_button = QToolButton()
        self.delete_button.setIcon(qta.icon("fa6s.trash", color="#dddddd"))
        self.delete_button.setToolTip("Delete the selected keyframe (undoable)")
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
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
            item.setIcon(1, _swatch(colour))
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


def _swatch(colour) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)
