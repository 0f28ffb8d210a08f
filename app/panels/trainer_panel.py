"""Training: fine-tune the removal network on this clip (a job), with its loss and its held-out
score live, and the tuned weights made the project's own as soon as the run stops.

The panel gathers the options (the defaults that fit a laptop when it starts from the shipped
model), says beforehand how long the run takes and how much memory it needs
(``core.train.finetune_estimate``; a question first when it is over ten minutes), and shows the
run: the loss and the held-out hole PSNR against the flow fill (``training_plots.py``), the time
left at the measured rate (``training_time.py``). The clip operations start the job and record the weights in the project (one undo step), which
the preview and the export follow.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QProgressBar, QPushButton, QSizePolicy, QSpinBox, QVBoxLayout,
                               QWidget)

from app.panels.training_plots import TrainingPlots
from app.panels.training_time import MeasuredPace, estimate_on, masked_frame_count
from app.session import Session
from app.workers.threads import Job
from app.workers.training import FinetuneChoice, FinetuneReports, corrects_flow_fill, default_model_file

START_FROM = [("The installed model", "installed"),
              ("A fresh correction of the flow fill", "cpu"),
              ("A fresh tiny model (quick try)", "tiny"), ("A fresh base model", "base")]
ASK_OVER_S = 10 * 60  # a run estimated longer than this is confirmed first


class TrainerPanel(QWidget):
    lossReported = Signal(int, float)  # step, loss: from the job's thread to the plot
    validationReported = Signal(int, float)  # step, held-out hole PSNR (dB)
    baselineReported = Signal(float, float)  # flow fill, starting weights: held-out hole PSNR (dB)

    def __init__(self, session: Session, operations, parent: QWidget | None = None) -> None:
        """``operations``: the window's ``ClipOperations`` (starts the job, records the weights)."""
        super().__init__(parent)
        self.session, self.operations = session, operations
        self.job: Job | None = None
        self.running: FinetuneChoice | None = None
        self.pace = MeasuredPace()
        self._default_output = ""
        self._project = None  # the project the run trains on
        self._residual: dict[tuple[Path, float], bool] = {}
        self.start_from = QComboBox()
        for label, value in START_FROM:
            self.start_from.addItem(label, value)
        self.steps = QSpinBox()
        self.steps.setRange(1, 100000)
        self.steps.setValue(300)
        self.steps.setToolTip("Optimizer steps; the estimate below says how long they take here")
        self.output = QLineEdit()
        browse = QPushButton("…")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._choose_output)
        output_row = QHBoxLayout()
        output_row.setContentsMargins(0, 0, 0, 0)
        output_row.addWidget(self.output)
        output_row.addWidget(browse)
        self.use_it = QCheckBox("Use it for the preview and export when it stops")
        self.use_it.setChecked(True)
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton("Stop")
        self.cancel_button.setToolTip("Stop after this step; the weights so far are saved (and used, when "
                                      "ticked above)")
        self.cancel_button.clicked.connect(lambda: self.job is not None and self.job.cancel())
        self.shipped_button = QPushButton("Use shipped weights")
        self.shipped_button.setToolTip("The preview and export use the shipped model again (undoable)")
        self.shipped_button.clicked.connect(self.use_shipped_weights)
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.progress = QProgressBar()
        self.status = QLabel("Trains on the masked frames of this clip; the objects' pixels are never used as truth.")
        self.status.setWordWrap(True)
        self.held_out = QLabel()
        self.held_out.setWordWrap(True)
        self.weights = QLabel()
        self.weights.setWordWrap(True)
        self.plots = TrainingPlots()
        for field in (self.start_from, self.steps, self.output, browse):  # rows keep their height (never clipped)
            field.setSizePolicy(field.sizePolicy().horizontalPolicy(), QSizePolicy.Fixed)
        form = QFormLayout()
        form.addRow("Start from", self.start_from)
        form.addRow("Steps", self.steps)
        form.addRow("Model file", output_row)
        form.addRow("", self.use_it)
        buttons = QHBoxLayout()
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch()
        buttons.addWidget(self.shipped_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.estimate)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.held_out)
        layout.addWidget(self.weights)
        layout.addWidget(self.plots, 3)
        self.lossReported.connect(self._add_point)
        self.validationReported.connect(self._add_validation)
        self.baselineReported.connect(self._set_baseline)
        self.start_from.currentIndexChanged.connect(self._start_from_changed)
        self.steps.valueChanged.connect(lambda _: self._show_estimate())
        session.projectReplaced.connect(self.refresh)
        session.projectChanged.connect(self._project_changed)
        operations.noticed.connect(lambda _: self._show_weights())  # e.g. File › Load removal model
        self.refresh()

    def refresh(self) -> None:
        if importlib.util.find_spec("core.train") is None:  # a build without the trainer
            self.status.setText("Training needs core/train, which this installation does not have.")
            self.train_button.setEnabled(False)
            return
        installed = self.operations.shipped_model()
        index = self.start_from.findData("installed")
        self.start_from.model().item(index).setEnabled(installed is not None)
        if installed is None and self.start_from.currentData() == "installed":
            self.start_from.setCurrentIndex(self.start_from.findData("base"))
        elif installed is not None and self.job is None:
            self.start_from.setCurrentIndex(index)
        self._start_from_changed()
        self._refresh_output()
        self._show_weights()
        self._show_running()

    # --- the options -----------------------------------------------------------------------
    def options(self) -> FinetuneChoice:
        """What the fields say, over the defaults for the model it starts from."""
        return self._defaults(steps=self.steps.value())

    def _defaults(self, **changes) -> FinetuneChoice:
        start = self.start_from.currentData()
        init = self.operations.shipped_model() if start == "installed" else None
        # no installed model: a fresh correction of the flow fill (it starts as the flow fill)
        fresh = start if start in ("tiny", "base", "cpu") else "cpu"
        residual = self._corrects_flow_fill(init) if init is not None else fresh == "cpu"
        return FinetuneChoice.starting_from(Path(self.output.text()), init, fresh,
                                             residual=residual, **changes)

    def estimate_of(self, options: FinetuneChoice):
        """``core.train.finetune_estimate.Estimate`` of ``options`` on the open project, or None
        when there is none (a model that does not correct the flow fill, no masked frame)."""
        project = self.session.project
        fresh_correction = options.init is None and options.fresh_size == "cpu"
        if project is None or not (fresh_correction or self._corrects_flow_fill(options.init)):
            return None
        return estimate_on(project, options)

    def _start_from_changed(self) -> None:
        if self.job is None:
            self.steps.setValue(self._defaults().steps)  # 200 from the shipped model, 300 from others
        self._show_estimate()

    def _corrects_flow_fill(self, path: Path | None) -> bool:
        if path is None or not path.is_file():
            return False
        key = (path, path.stat().st_mtime)
        if key not in self._residual:
            self._residual[key] = corrects_flow_fill(path)
        return self._residual[key]

    def _show_estimate(self) -> None:
        if self.job is not None:
            return
        project = self.session.project
        found = self.estimate_of(self.options()) if project is not None else None
        if found is None:
            self.estimate.setText("" if project is None else
                                  "No estimate for this model; the time left shows once training runs.")
            return
        self.estimate.setText(f"Takes {found.describe()} on this machine ({masked_frame_count(project)} masked "
                              f"frames, {self.steps.value()} steps).")

    def _refresh_output(self) -> None:
        """The default model file follows the project (saved: beside it), unless one was chosen."""
        project = self.session.project
        if project is None or self.job is not None:
            return
        if self.output.text() in ("", self._default_output):
            self._default_output = str(default_model_file(project))
            self.output.setText(self._default_output)

    def _project_changed(self, event) -> None:
        if event.kind in ("mask", "objects"):
            self._show_estimate()
        elif event.kind == "settings":
            self._show_weights()

    # --- the run ---------------------------------------------------------------------------
    def start(self, options: FinetuneChoice | None = None) -> Job | None:
        if self.session.project is None or self.job is not None:
            return None
        self._refresh_output()  # saved since: beside the project now
        if not self.output.text().strip():
            self.status.setText("Choose where to write the model.")
            return None
        options = options or self.options()
        found = self.estimate_of(options)
        if found is not None and found.seconds > ASK_OVER_S and not self._confirm_long_run(found):
            return None
        self.plots.clear()
        self.pace.clear()
        self.held_out.setText("")
        reports = FinetuneReports(on_step=self.lossReported.emit, on_validation=self.validationReported.emit,
                                  on_baseline=self.baselineReported.emit)
        try:
            job = self.operations.start_finetune(options, reports)
        except Exception as exc:  # a KeyfillError from checking the project or the model file, shown here
            self.status.setText(str(exc))
            return None
        self.job, self.running = job, options
        self._project = self.session.project
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._done)
        job.failed.connect(lambda message: self._finished(message))
        job.cancelled.connect(self._stopped)
        self.progress.setRange(0, 0)
        self.status.setText("Starting…")
        if found is not None:
            self.estimate.setText(f"Estimated beforehand: {found.describe()}.")
        self._show_running()
        return job

    def _confirm_long_run(self, found) -> bool:
        from core.train.finetune_estimate import describe_seconds

        answer = QMessageBox.question(
            self, "Fine-tune on this clip",
            f"Fine-tuning takes about {describe_seconds(found.seconds)} on this machine and "
            f"{found.bytes / 1e9:.1f} GB of memory. Fewer steps, or fewer masked frames, take less. "
            "Start it now?", QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def _add_point(self, step: int, loss: float) -> None:
        self.plots.add_loss(step, loss)
        self.pace.record(step)
        self._show_time_left(step)

    def _add_validation(self, step: int, psnr: float) -> None:
        self.plots.add_validation(step, psnr)
        self._show_held_out()

    def _set_baseline(self, flow_fill: float, before: float) -> None:
        self.plots.set_baseline(flow_fill, before)
        self._show_held_out()

    def _show_held_out(self) -> None:
        text = self.plots.held_out_text()
        if text is not None:
            self.held_out.setText(text)

    def _show_time_left(self, step: int) -> None:
        """The time left at the rate measured so far and the memory in use now, in the estimate's place."""
        if self.running is None:
            return
        project = self.session.project
        aspect = project.clip.width / project.clip.height if project is not None else 16 / 9
        text = self.pace.describe(step, self.running, aspect)
        if text is not None:
            self.estimate.setText(text)

    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message)

    def _done(self, result) -> None:
        self.plots.show_history(result.history)
        scores = getattr(result, "scores", None)
        validations = self.plots.validations
        if scores is not None and (not validations or validations[-1][0] != result.step):
            self._add_validation(result.step, scores.after)
        loss = f", final loss {result.final_loss:.4f}" if result.final_loss is not None else ""
        text = f"Trained to step {result.step}{loss}; saved {result.model_path}."
        self.progress.setValue(self.progress.maximum())
        self._finished(self._use_weights(Path(result.model_path), text))

    def _stopped(self) -> None:
        text = "Stopped; the run so far is saved beside the model file."
        if self.plots.steps_seen and self.running is not None and self.running.output.is_file():
            text = self._use_weights(self.running.output, f"Stopped at step {self.plots.steps_seen[-1]}; saved "
                                                          f"{self.running.output}.")
        self._finished(text)

    def _use_weights(self, path: Path, text: str) -> str:
        """Make ``path`` the project's removal model when asked to; ``text`` and what changed."""
        if not self.use_it.isChecked() or self.session.project is not self._project:
            return text
        self.operations.use_tuned_weights(path)
        said = f"Preview and export now use the weights tuned on this clip{self.plots.gain_text()}."
        self.operations.noticed.emit(said)
        return f"{text} {said}"

    def _finished(self, text: str) -> None:
        self.job = self.running = None
        self.status.setText(text)
        took = self.pace.describe_finished()
        if took is not None:
            self.estimate.setText(took)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self._show_running()
        self._show_weights()

    # --- the weights the removal uses -------------------------------------------------------
    def use_shipped_weights(self) -> None:
        self.operations.use_shipped_weights()
        self.operations.noticed.emit("Preview and export use the shipped weights again.")
        self._show_weights()

    def _show_weights(self) -> None:
        project = self.session.project
        tuned = project.settings.removal_model if project is not None else ""
        chosen = self.operations.chosen_model()
        self.shipped_button.setEnabled(bool(tuned or chosen) and self.job is None)
        if project is None:
            self.weights.setText("")
        elif tuned:
            self.weights.setText(f"Preview and export use the weights tuned on this clip ({Path(tuned).name}).")
        elif chosen is not None:
            self.weights.setText(f"Preview and export use {chosen.name} (File › Load removal model).")
        else:
            self.weights.setText("Preview and export use the shipped weights.")

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

