"""Objects: name, colour and visibility of each object; add / remove; the active one is painted."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QListWidget, QListWidgetItem, QWidget

from app.commands import AddObjectCommand, RemoveObjectCommand, UpdateObjectCommand
from app.panels.list_panel import lay_out_list, swatch, tool_button
from app.session import Session


class ObjectsPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.list = QListWidget()
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemDoubleClicked.connect(self.list.editItem)
        self.add_button = tool_button("fa6s.plus", "Add an object", self.add_object)
        self.remove_button = tool_button("fa6s.trash", "Remove the selected object and its masks", self.remove_object)
        self.colour_button = tool_button("mdi6.palette", "Change the selected object's colour", self.choose_colour)
        lay_out_list(self, self.list, [self.add_button, self.remove_button, self.colour_button])
        session.projectReplaced.connect(self.refresh)
        session.projectChanged.connect(lambda e: e.kind == "objects" and self.refresh())
        session.activeObjectChanged.connect(self._select)
        self.refresh()

    def refresh(self) -> None:
        project = self.session.project
        with QSignalBlocker(self.list):
            self.list.clear()
            for obj in project.objects if project else []:
                item = QListWidgetItem(swatch(obj.colour, 14), obj.name)
                item.setData(Qt.UserRole, obj.id)
                item.setFlags(item.flags() | Qt.ItemIsEditable | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if obj.visible else Qt.Unchecked)
                item.setToolTip("Checked: shown and removed. Double-click to rename.")
                self.list.addItem(item)
        self._select(self.session.active_object)
        enabled = project is not None
        self.add_button.setEnabled(enabled)
        self.remove_button.setEnabled(enabled and bool(project.objects))
        self.colour_button.setEnabled(enabled and bool(project.objects))

    def add_object(self) -> None:
        if self.session.project is None:
            return
        command = AddObjectCommand(self.session.project, self.session.refs)
        self.session.push(command)
        self.session.set_active_object(command.ref.id)

    def remove_object(self) -> None:
        oid = self.session.active_object
        if oid is not None:
            self.session.push(RemoveObjectCommand(self.session.project, self.session.refs, self.session.object_ref(oid)))

    def choose_colour(self) -> None:
        oid = self.session.active_object
        if oid is None:
            return
        current = QColor(*self.session.project.object(oid).colour)
        colour = QColorDialog.getColor(current, self, "Object colour")
        if colour.isValid():
            self._update(oid, colour=(colour.red(), colour.green(), colour.blue()))

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        oid = item.data(Qt.UserRole)
        obj = self.session.project.object(oid)
        visible = item.checkState() == Qt.Checked
        name = item.text().strip() or obj.name
        if visible != obj.visible:
            self._update(oid, visible=visible)
        elif name != obj.name:
            self._update(oid, name=name)

    def _on_current_changed(self, current: QListWidgetItem | None, previous) -> None:
        if current is not None:
            self.session.set_active_object(current.data(Qt.UserRole))

    def _select(self, object_id) -> None:
        with QSignalBlocker(self.list):
            for row in range(self.list.count()):
                if self.list.item(row).data(Qt.UserRole) == object_id:
                    self.list.setCurrentRow(row)

    def _update(self, oid: int, **changes) -> None:
        self.session.push(UpdateObjectCommand(self.session.project, self.session.object_ref(oid), **changes))
