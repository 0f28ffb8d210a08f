"""Every key of the window does one thing: no key sequence bound twice (Qt then does nothing and logs
"Ambiguous shortcut overload"), redo on both Ctrl+Shift+Z and Ctrl+Y, and Help › Keyboard shortcuts
lists them all, read from the actions."""

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QUndoCommand

from app.dialogs.shortcuts_sheet import keys_of, name_of


def bound_keys(window) -> dict[str, list[str]]:
    """``{key sequence: [what it is bound to, ...]}`` over every QAction and QShortcut of the window."""
    bound = defaultdict(list)
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            if not sequence.isEmpty():
                bound[sequence.toString(QKeySequence.PortableText)].append(action.text())
    for shortcut in window.findChildren(QShortcut):
        for sequence in shortcut.keys():
            if not sequence.isEmpty():
                bound[sequence.toString(QKeySequence.PortableText)].append(f"QShortcut {shortcut.objectName()}")
    return bound


def test_no_key_sequence_is_bound_twice(make_window):
    window = make_window()
    bound = bound_keys(window)
    clashes = {keys: names for keys, names in bound.items() if len(names) > 1}
    assert not clashes, f"keys bound more than once: {clashes}"
    assert len(bound) > 30, "the audit sees the window's shortcuts"


def test_redo_is_on_ctrl_shift_z_and_ctrl_y(make_window):
    window = make_window()
    keys = {s.toString(QKeySequence.PortableText) for s in window.actions.redo.shortcuts()}
    assert keys == {"Ctrl+Shift+Z", "Ctrl+Y"}
    assert {s.toString(QKeySequence.PortableText) for s in window.actions.undo.shortcuts()} == {"Ctrl+Z"}


def test_redo_from_the_keyboard_without_an_ambiguous_overload(window, qtbot, qtlog):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()
    project = window.session.project
    for redo_key, modifiers in ((Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier), (Qt.Key_Y, Qt.ControlModifier)):
        window.objects_panel.add_object()
        assert len(project.objects) == 2
        qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
        assert len(project.objects) == 1
        qtbot.keyClick(window.canvas, redo_key, modifiers)
        assert len(project.objects) == 2, f"redone by {QKeySequence(redo_key | modifiers).toString()}"
        qtbot.keyClick(window.canvas, Qt.Key_Z, Qt.ControlModifier)
    assert not [r for r in qtlog.records if "Ambiguous" in r.message]


def test_the_shortcuts_sheet_lists_every_shortcut_from_the_actions(make_window, qtbot):
    window = make_window()
    window.actions.shortcuts.trigger()
    sheet = window.shortcuts_sheet
    qtbot.waitExposed(sheet)
    rows = sheet.rows()
    shown = {(action, keys) for _, action, keys in rows}
    for action in window.findChildren(QAction):
        if keys_of(action):
            assert (name_of(action), keys_of(action)) in shown, action.text()
    sections = [section for section, _, _ in rows]
    assert ("Edit", "Redo", keys_of(window.actions.redo)) in rows
    assert "Ctrl+Y" in keys_of(window.actions.redo)
    assert {"File", "Edit", "Tools", "View", "Playback", "Help", "Mouse"} <= set(sections)
    assert any(action == "Wheel" for section, action, _ in rows if section == "Mouse")


def test_no_action_names_its_own_key(make_window):
    """The menu, the tooltip and the sheet write the key beside the name: "Pause (K)" read "Pause (K)  K"
    in the menu, "Pause (K) (K)" as a tooltip."""
    window = make_window()
    for section, action, keys in window.show_shortcuts().rows():
        if section == "Mouse":
            continue
        for key in keys.split(", "):
            assert f"({key})" not in action and f"({key}," not in action, (action, keys)


def test_undo_is_listed_as_undo_whatever_it_would_undo(make_window):
    window = make_window()
    window.session.undo_stack.push(QUndoCommand("Paint mask (frame 3)"))
    assert window.actions.undo.text() != "Undo"
    rows = window.show_shortcuts().rows()
    assert ("Edit", "Undo", keys_of(window.actions.undo)) in rows


def test_the_sheet_follows_a_changed_shortcut(make_window, qtbot):
    window = make_window()
    window.actions.fit.setShortcut(QKeySequence("Shift+F"))
    sheet = window.show_shortcuts()
    assert ("View", "Fit", QKeySequence("Shift+F").toString(QKeySequence.NativeText)) in sheet.rows()


def test_help_menu_opens_the_sheet(make_window):
    window = make_window()
    help_menu = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"][0]
    assert window.actions.shortcuts in help_menu.actions()
    assert window.actions.shortcuts.shortcut() == QKeySequence(QKeySequence.HelpContents)
