"""Regenerate the window's screenshots in this folder from the real window on the bundled sample.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/take_screenshots.py

Each picture is ``QWidget.grab()`` of the window (or dialog) after the workers delivered what it
shows; nothing is staged by hand.
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

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = Path(__file__).resolve().parent
SAMPLE = ROOT / "resources" / "samples" / "bmx-trees.mp4"


def main() -> None:
    app = QApplication(sys.argv[:1])
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

    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "keyfill.ini"), QSettings.IniFormat)
        window = MainWindow(SAMPLE, settings=settings)
        window.resize(1400, 860)
        window.show()
        wait(lambda: window.canvas.frame_index == 0 and window.timeline.thumbnails)
        window.operations.propagate()
        wait(lambda: not window.jobs.visible())
        window.session.set_frame(20)
        wait(lambda: window.canvas.frame_index == 20)
        window.grab().save(str(OUT / "main.png"))

        window.actions.layer_masks.setChecked(False)
        window.actions.layer_heat.setChecked(True)
        wait(lambda: window.canvas.heat_layer is not None)
        window.grab().save(str(OUT / "flow_consistency.png"))
        window.actions.layer_heat.setChecked(False)

        window.actions.layer_wipe.setChecked(True)
        window.canvas.wipe = 0.4  # the rider is right of the line: removed
        wait(lambda: window.canvas.result is not None)
        window.grab().save(str(OUT / "wipe.png"))
        window.actions.layer_wipe.setChecked(False)
        window.actions.layer_masks.setChecked(True)

        dialog = window.operations.export()
        export_to = Path(tempfile.gettempdir()) / "keyfill-export"  # a real export, of the first second
        export_to.mkdir(exist_ok=True)
        dialog.clip_path.setText(str(export_to / "bmx-trees_clean.mp4"))
        dialog.mattes_box.setChecked(True)
        dialog.mattes_path.setText(str(export_to / "bmx-trees_mattes"))
        dialog.last.setValue(24)
        dialog.start()
        wait(lambda: dialog.job is None)
        dialog.grab().save(str(OUT / "export.png"))
        dialog.close()

        # a short real fine-tune (a fresh tiny model, small crops: a CPU does it in seconds)
        window.actions.train.trigger()
        trainer = window.trainer_panel
        trainer.start_from.setCurrentIndex(trainer.start_from.findData("tiny"))
        trainer.steps.setValue(40)
        trainer.output.setText(str(export_to / "bmx-trees-finetuned.pt"))
        trainer.use_it.setChecked(False)
        trainer.start(dataclasses.replace(trainer.options(), crop=(96, 96), frame_height=120, batch=2))
        wait(lambda: trainer.job is None, timeout=600)
        window.grab().save(str(OUT / "trainer.png"))
        window.close()
    print("\n".join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
