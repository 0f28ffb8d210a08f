"""Help › Keyboard shortcuts: every shortcut of the window, read from its actions.

Built when shown from the menu bar's own actions (menu by menu, in menu order), so it lists exactly
what the keys do; actions with a shortcut that no menu shows are listed under "Other". The mouse
gestures of the viewer come from the modules that implement them.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QMainWindow, QMenu, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from app.viewer.canvas import GESTURES as VIEWER_GESTURES
from app.viewer.tools import GESTURES as TOOL_GESTURES


def name_of(action: QAction) -> str:
    """What the action does, without its mnemonic; ``sheet_name`` when its text changes (Undo
    names the step it undoes)."""
    return _plain(action.property("sheet_name") or action.text())


def keys_of(action: QAction) -> str:
    """The action's shortcuts as the platform writes them (``Ctrl+Shift+Z, Ctrl+Y``)."""
    return ", ".join(s.toString(QKeySequence.NativeText) for s in action.shortcuts() if not s.isEmpty())


def shortcut_sections(window: QMainWindow) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(menu title, [(action text, keys), ...]), ...]`` for every action with a shortcut."""
    sections, listed = [], set()
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        rows = []
        for action in _menu_actions(menu):
            if keys_of(action) and id(action) not in listed:
                listed.add(id(action))
                rows.append((name_of(action), keys_of(action)))
        if rows:
            sections.append((_plain(menu.title()), rows))
    other = [(name_of(a), keys_of(a)) for a in window.findChildren(QAction)
             if keys_of(a) and id(a) not in listed]
    if other:
        sections.append(("Other", other))
    sections.append(("Mouse", list(VIEWER_GESTURES) + list(TOOL_GESTURES)))
    return sections


class ShortcutsSheet(QDialog):
    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Action", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QTreeWidget.NoSelection)
        for title, rows in shortcut_sections(window):
            section = QTreeWidgetItem(self.tree, [title])
            section.setFirstColumnSpanned(True)
            font = section.font(0)
            font.setBold(True)
            section.setFont(0, font)
            section.setFlags(Qt.ItemIsEnabled)
            for text, keys in rows:
                QTreeWidgetItem(section, [text, keys]).setFlags(Qt.ItemIsEnabled)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, self.tree.columnWidth(0) + 24)
        self.tree.resizeColumnToContents(1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(self._fitting_size(window))

    def _fitting_size(self, window: QMainWindow) -> QSize:
        """Every row without scrolling where the screen is tall enough."""
        rows = sum(1 + self.tree.topLevelItem(i).childCount() for i in range(self.tree.topLevelItemCount()))
        row_height = self.tree.sizeHintForRow(0) if self.tree.sizeHintForRow(0) > 0 else self.fontMetrics().height() + 2
        buttons_and_margins = 70
        height = (rows + 1) * row_height + self.tree.header().sizeHint().height() + buttons_and_margins
        width = self.tree.columnWidth(0) + self.tree.columnWidth(1) + 60
        screen = (window.screen() or self.screen()).availableGeometry()
        return QSize(max(width, 480), min(height, screen.height() - 40))

    def rows(self) -> list[tuple[str, str, str]]:
        """``(section, action, keys)`` of every row shown (for tests and screen readers)."""
        shown = []
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            for j in range(section.childCount()):
                row = section.child(j)
                shown.append((section.text(0), row.text(0), row.text(1)))
        return shown


def _menu_actions(menu: QMenu):
    for action in menu.actions():
        if action.menu() is not None:
            yield from _menu_actions(action.menu())
        elif not action.isSeparator():
            yield action


def _plain(text: str) -> str:
    """Menu text without its mnemonic marker (``&File`` -> ``File``)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")
