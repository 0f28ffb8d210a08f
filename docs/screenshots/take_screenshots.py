"""Regenerate the window's screenshots in this folder from the real window on the bundled sample.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_screenshots.py [NAME ...]

NAMEs (main, flow_consistency, wipe, clone, export, playback, trainer, shortcuts) pick some of the
pictures; none: all. Each picture is ``QWidget.grab()`` of the window (or dialog) after the workers delivered
what it shows; nothing is staged by hand. ``shortcuts`` (Help › Keyboard shortcuts over the window)
and ``playback`` (the export's frames playing with the removal result on) are taken from the
screen when run on X11, e.g. under Xvfb:

    xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb \
        .venv/bin/python docs/screenshots/take_screenshots.py shortcuts export playback
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPointF, QSettings, QStandardPaths, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QPainter  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = Path(__file__).resolve().parent
SAMPLE = ROOT / "resources" / "samples" / "bmx-trees.mp4"


def main(names: list[str]) -> None:
    app = QApplication(sys.argv[:1])
    QStandardPaths.setTestModeEnabled(True)  # autosaves apart from the user's
    from app.main_window import MainWindow
    from app.theme import apply_dark_theme

    apply_dark_theme(app)

    def wait(condition, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the window did not get there in time")
            app.processEvents()
            time.sleep(0.02)
        settle()

    def settle() -> None:
        for _ in range(25):
            app.processEvents()
            time.sleep(0.02)

    def wanted(name: str) -> bool:
        return not names or name in names

    with tempfile.TemporaryDirectory(prefix="keyfill-") as tmp:
        settings = QSettings(str(Path(tmp) / "keyfill.ini"), QSettings.IniFormat)
        window = MainWindow(settings=settings)
        window.confirm_unsaved = False  # on X11 too: nothing waits for an answer
        window.open_path(SAMPLE)
        window.resize(1400, 860)
        window.show()
        wait(lambda: window.canvas.frame_index == 0 and window.timeline.thumbnails)
        window.operations.propagate()
        wait(lambda: not window.jobs.visible(), timeout=600)  # the clip refiner trains: minutes on a busy CPU
        window.session.set_frame(20)
        wait(lambda: window.canvas.frame_index == 20)
        if wanted("main"):
            window.grab().save(str(OUT / "main.png"))
        if wanted("shortcuts"):
            shortcuts_sheet(window, settle)

        window.actions.layer_masks.setChecked(False)
        if wanted("flow_consistency"):
            window.actions.layer_heat.setChecked(True)
            wait(lambda: window.canvas.heat_layer is not None)
            window.grab().save(str(OUT / "flow_consistency.png"))
            window.actions.layer_heat.setChecked(False)

        if wanted("wipe"):
            window.actions.layer_wipe.setChecked(True)
            window.canvas.wipe = 0.4  # the rider is right of the line: removed
            wait(lambda: window.canvas.result is not None)
            window.grab().save(str(OUT / "wipe.png"))
            window.actions.layer_wipe.setChecked(False)

        if wanted("clone"):
            clone_stamp_in_use(window, wait)
        window.actions.layer_masks.setChecked(True)

        export_to = Path(tmp) / "export"  # fresh every run: an existing file would stop at the overwrite question
        export_to.mkdir()
        if wanted("export") or wanted("playback"):  # a real export, of the first second
            dialog = window.operations.export()
            dialog.clip_path.setText(str(export_to / "bmx-trees_clean.mp4"))
            dialog.mattes_box.setChecked(True)
            dialog.mattes_path.setText(str(export_to / "bmx-trees_mattes"))
            dialog.last.setValue(23)  # frames 0 to 23
            dialog.start()
            wait(lambda: dialog.job is None)
            if wanted("export"):
                dialog.grab().save(str(OUT / "export.png"))
            dialog.close()
        if wanted("playback"):
            playing_the_export(window, settle)

        if wanted("trainer"):  # a short real fine-tune (a fresh correction of the flow fill, small crops)
            window.actions.train.trigger()
            trainer = window.trainer_panel
            trainer.start_from.setCurrentIndex(trainer.start_from.findData("cpu"))
            trainer.steps.setValue(100)
            trainer.output.setText(str(export_to / "bmx-trees-finetuned.pt"))
            trainer.start(dataclasses.replace(trainer.options(), crop=(96, 96), frame_height=120, batch=2))
            wait(lambda: trainer.job is None, timeout=600)
            window.grab().save(str(OUT / "trainer.png"))
        window.close()
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


def shortcuts_sheet(window, settle) -> None:
    """Help › Keyboard shortcuts, opened over the window's viewer: the screen on X11 (what a user
    sees), else the window's and the sheet's own pictures put together."""
    window.move(0, 0)
    settle()
    sheet = window.show_shortcuts()
    frame = window.frameGeometry()
    sheet.move(frame.x() + frame.width() // 2 - sheet.width() // 2 - 140, frame.y() + 60)
    settle()
    if QGuiApplication.platformName() == "xcb":
        shot = window.screen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    else:
        shot = window.grab()
        painter = QPainter(shot)
        painter.drawPixmap(sheet.frameGeometry().topLeft() - frame.topLeft(), sheet.grab())
        painter.end()
    shot.save(str(OUT / "shortcuts.png"))
    sheet.close()


def playing_the_export(window, settle) -> None:
    """Playback from frame 0 with the removal result on, taken while it plays: the frames the
    export kept show cleaned at once; the first one past them (not rendered yet) shows the original
    with the badge, saved beside the system's temporary files to be looked at."""
    window.actions.layer_masks.setChecked(False)
    window.actions.layer_result.setChecked(True)
    window.playback.go_to(0)
    settle()
    canvas, shots = window.canvas, {}
    cleaned_from, original_from = PLAYBACK_FRAMES
    window.playback.forward()
    while len(shots) < 2 and window.playback.playing:
        QApplication.processEvents()
        time.sleep(0.005)
        frame = canvas.frame_index
        if frame is None:
            continue
        if "cleaned" not in shots and frame >= cleaned_from and canvas.result is not None:
            shots["cleaned"] = _screen(window), frame
        if "original" not in shots and frame >= original_from and canvas.rendering_badge.isVisible():
            shots["original"] = _screen(window), frame
    window.playback.pause()
    for name, (shot, frame) in shots.items():
        beside_temp = Path(tempfile.gettempdir()) / "keyfill-playback-original.png"
        path = OUT / "playback.png" if name == "cleaned" else beside_temp
        shot.save(str(path))
        print(f"{path}: frame {frame} while playing")
    window.actions.layer_result.setChecked(False)
    window.actions.layer_masks.setChecked(True)


def _screen(window):
    """The window as the screen shows it (X11), else its own picture."""
    window.repaint()  # what was just set, painted now rather than at the next turn of the event loop
    if QGuiApplication.platformName() == "xcb":
        frame = window.frameGeometry()
        return window.screen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    return window.grab()


def clone_stamp_in_use(window, wait) -> None:
    """Frame 10's removal leaves the bike's back wheel and specks on the path: the clone stamp
    paints wall and path over them, one stroke done, the next one under way (its live preview, the
    source crosshair)."""
    canvas = window.canvas
    window.session.set_frame(10)
    wait(lambda: canvas.frame_index == 10)
    window.actions.clone.trigger()  # shows the removal result
    wait(lambda: canvas.result is not None)
    window.brush.update(radius=13, hardness=0.6, opacity=1.0)

    def at(x: float, y: float):
        return canvas.to_widget(QPointF(x, y)).toPoint()

    for source, stroke, done in ((SOURCE_WHEEL, STROKE_WHEEL, True), (SOURCE_PATH, STROKE_PATH, False)):
        QTest.mouseClick(canvas, Qt.LeftButton, Qt.AltModifier, at(*source))
        QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, at(*stroke[0]))
        for point in stroke[1:]:
            QTest.mouseMove(canvas, at(*point))
        if done:
            QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, at(*stroke[-1]))
            wait(lambda: window.session.project.content_keyframes() == [10])
    wait(lambda: True)
    window.grab().save(str(OUT / "clone.png"))
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, at(*STROKE_PATH[-1]))
    while window.session.undo_stack.canUndo() and window.session.project.content_keyframes():
        window.session.undo_stack.undo()  # the pictures after this one show the project as it was
    window.actions.brush.trigger()
    window.actions.layer_result.setChecked(False)
    window.session.set_frame(20)
    wait(lambda: canvas.frame_index == 20)


# image pixels of the sample's frame 10: sources left of the rider, where wall and path are clean
PLAYBACK_FRAMES = (12, 25)  # grabbed while playing: one the export kept, one past them
SOURCE_WHEEL, STROKE_WHEEL = (110, 174), [(244, 165), (256, 163), (268, 161)]
SOURCE_PATH, STROKE_PATH = (112, 190), [(196, 184), (212, 182), (226, 180)]


if __name__ == "__main__":
    main(sys.argv[1:])
