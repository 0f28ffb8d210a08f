"""Training: fine-tune the removal network on this clip (a job), with its loss curve.

The panel only gathers the options and shows the run; ``start_training(options)`` (the window's
clip operations) starts the job and, when asked, makes the new model the one the preview and the
export use.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.session import Session
from app.theme import ACCENT
from app.workers.threads import Job
from app.workers.training import FinetuneOptions

START_FROM = [("The installed model", "installed"), ("A fresh tiny model (quick try)", "tiny"),
              ("A fresh base model", "base")]


class TrainerPanel(QWidget):
    lossReported = Signal(int, float)  # step, loss: from the job's thread to the plot

    def __init__(self, session: Session, start_training: Callable[[FinetuneOptions, Callable], Job],
                 installed_model: Callable[[], Path | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self._start, self._installed = session, start_training, installed_model
        self.job: Job | None = None
        self.steps_seen: list[int] = []
        self.losses: list[float] = []
        self.start_from = QComboBox()
        for label, value in START_FROM:
            self.start_from.addItem(label, value)
        self.steps = QSpinBox()
        self.steps.setRange(1, 100000)
        self.steps.setValue(300)
        self.steps.setToolTip("Optimizer steps; on a CPU a few hundred take minutes to hours")
        self.output = QLineEdit()
        browse = QPushButton("…")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._choose_output)
        output_row = QHBoxLayout()
        output_row.setContentsMargins(0, 0, 0, 0)
        output_row.addWidget(self.output)
        output_row.addWidget(browse)
        self.use_it = QCheckBox("Use it for the preview and export")
        self.use_it.setChecked(True)
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop after this step; the run is saved and can be resumed from the CLI")
        self.cancel_button.clicked.connect(lambda: self.job is not None and self.job.cancel())
        self.progress = QProgressBar()
        self.status = QLabel("Trains on the masked frames of this clip; the objects' pixels are never used as truth.")
        self.status.setWordWrap(True)
        self.plot = _loss_plot()
        self.curve = self.plot.plot([], [], pen=pg.mkPen(ACCENT, width=2), name="loss")
        form = QFormLayout()
        form.addRow("Start from", self.start_from)
        form.addRow("Steps", self.steps)
        form.addRow("Model file", output_row)
        form.addRow("", self.use_it)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        self.lossReported.connect(self._add_point)
        session.projectReplaced.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        if importlib.util.find_spec("core.train") is None:  # a build without the trainer
            self.status.setText("Training needs core/train, which this installation does not have.")
            self.train_button.setEnabled(False)
            return
        project = self.session.project
        installed = self._installed()
        index = self.start_from.findData("installed")
        self.start_from.model().item(index).setEnabled(installed is not None)
        if installed is None and self.start_from.currentData() == "installed":
            self.start_from.setCurrentIndex(self.start_from.findData("base"))
        if project is not None and self.job is None:
            clip = project.clip.path
            self.output.setText(str(clip.parent / f"{clip.stem if clip.suffix else clip.name}-finetuned.pt"))
        self._show_running()

    def options(self) -> FinetuneOptions:
        start = self.start_from.currentData()
        init = self._installed() if start == "installed" else None
        return FinetuneOptions(output=Path(self.output.text()), init=init,
                               fresh_size=start if start in ("tiny", "base") else "base", steps=self.steps.value())

    def start(self, options: FinetuneOptions | None = None) -> Job | None:
        if self.session.project is None or self.job is not None:
            return None
        if not self.output.text().strip():
            self.status.setText("Choose where to write the model.")
            return None
        self.steps_seen, self.losses = [], []
        self.curve.setData([], [])
        try:
            job = self._start(options or self.options(), self.lossReported.emit, self.use_it.isChecked())
        except Exception as exc:  # a KeyfillError from checking the project, shown here
            self.status.setText(str(exc))
            return None
        self.job = job
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._done)
        job.failed.connect(lambda message: self._finished(message))
        job.cancelled.connect(lambda: self._finished("Stopped; the run so far is saved beside the model file."))
        self.progress.setRange(0, 0)
        self.status.setText("Starting…")
        self._show_running()
        return job

    # --- the run ---------------------------------------------------------------------------
    def _add_point(self, step: int, loss: float) -> None:
        self.steps_seen.append(step)
        self.losses.append(loss)
        self.curve.setData(self.steps_seen, self.losses)

    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message)

    def _done(self, result) -> None:
        self.steps_seen = [int(row[0]) for row in result.history]
        self.losses = [row[1] for row in result.history]
        self.curve.setData(self.steps_seen, self.losses)
        loss = f", final loss {result.final_loss:.4f}" if result.final_loss is not None else ""
        self._finished(f"Trained to step {result.step}{loss}; saved {result.model_path}.")
        self.progress.setValue(self.progress.maximum())

    def _finished(self, text: str) -> None:
        self.job = None
        self.status.setText(text)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self._show_running()

    def _show_running(self) -> None:
        running = self.job is not None
        self.train_button.setEnabled(not running and self.session.project is not None)
        self.cancel_button.setEnabled(running)
        for widget in (self.start_from, self.steps, self.output):
            widget.setEnabled(not running)

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Model file", self.output.text(), "Models (*.pt)")
        if path:
            self.output.setText(path if path.endswith(".pt") else path + ".pt")


def _loss_plot() -> pg.PlotWidget:
    plot = pg.PlotWidget(background="#202022")
    plot.setMinimumHeight(160)
    plot.showGrid(x=True, y=True, alpha=0.15)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setTextPen("#b8b8b8")
        axis.setPen("#5a5a5e")
        axis.enableAutoSIPrefix(False)  # losses read as they are printed, not as "x0.001"
    plot.setLabel("bottom", "step", color="#b8b8b8")
    plot.setLabel("left", "loss", color="#b8b8b8")
    plot.setMouseEnabled(x=False, y=False)
    plot.getPlotItem().hideButtons()
    plot.setFocusPolicy(Qt.NoFocus)
    return plot
