"""Export: the cleaned clip (H.264 or ProRes) and / or the mattes, for a frame range, with progress.

Destinations are checked before anything is written: one that is the clip or the project is
refused (said in the dialog), and an existing file or a folder with anything in it is replaced
only after the user says so. A mattes folder is never emptied: only its ``00000.png`` ... are
written (:mod:`core.output_paths`). The choices are remembered per project
(:mod:`app.dialogs.export_choices`); after an export, "Show in folder" opens where it was written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QSpinBox,
                               QWidget)

from app.dialogs.export_choices import ExportChoices, load_choices, save_choices
from app.workers.tasks import ExportOptions, check_export
from app.workers.threads import Job
from core.errors import KeyfillError
from core.export import ExportSettings
from core.output_paths import existing_outputs
from core.project import Project
from core.video import probe

CODECS = [("H.264 (.mp4)", "h264", ".mp4"), ("ProRes 422 HQ (.mov)", "prores", ".mov")]
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv")


class ExportDialog(QDialog):
    def __init__(self, project: Project, start_export: Callable[[ExportOptions], Job], parent: QWidget | None = None,
                 *, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(520)
        self._start_export = start_export
        self._project = project
        self._settings = settings  # where the choices are remembered (None: not remembered)
        self.job: Job | None = None
        self.written_folder: Path | None = None
        clip, count = project.clip.path, project.clip.frame_count
        base = clip.parent / (clip.stem if clip.is_file() else clip.name)  # take.v2.mp4 -> take.v2
        self.clip_box = QCheckBox("Cleaned clip")
        self.clip_box.setChecked(True)
        self.clip_path = QLineEdit(str(base) + "_clean.mp4")
        self.codec = QComboBox()
        for label, value, _ in CODECS:
            self.codec.addItem(label, value)
        self.codec.currentIndexChanged.connect(self._codec_changed)
        self.quality = QSpinBox()
        self.quality.setRange(0, 51)
        self.quality.setValue(project.settings.export_quality)
        self.quality.setToolTip("H.264 CRF: lower is better, 18 is visually transparent, 0 is lossless")
        self.keep_audio = QCheckBox()
        self.keep_audio.setChecked(True)
        self._has_audio = clip_has_audio(clip)
        self.mattes_box = QCheckBox("Mattes")
        self.mattes_path = QLineEdit(str(base) + "_mattes")
        self.mattes_video = QCheckBox("As a video (else a PNG folder)")
        self.mattes_video.toggled.connect(self._mattes_kind_changed)
        self.first = QSpinBox()
        self.last = QSpinBox()
        for box in (self.first, self.last):  # 0-based, as the window and the file names (00000.png)
            box.setRange(0, count - 1)
        self.last.setValue(count - 1)
        self.first.valueChanged.connect(self._first_changed)
        self._first_changed()
        self.progress = QProgressBar()
        self.progress.hide()  # until there is something to show
        self.status = QLabel("")
        self.status.setWordWrap(True)  # the written paths are long
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.Cancel)
        self.show_button = self.buttons.addButton("Show in folder", QDialogButtonBox.ActionRole)
        self.show_button.setToolTip("Open the folder the export was written to")
        self.show_button.hide()  # until something is written
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.show_button.clicked.connect(self.show_in_folder)
        self._apply(load_choices(settings, project, ExportChoices(
            clip_path=str(base) + "_clean.mp4", codec=project.settings.export_codec,
            quality=project.settings.export_quality, mattes_path=str(base) + "_mattes")))
        form = QFormLayout(self)
        form.addRow(self.clip_box, self._with_browse(self.clip_path, folder=False))
        form.addRow("Codec", self.codec)
        form.addRow("Quality (CRF)", self.quality)
        form.addRow("", self.keep_audio)
        form.addRow(self.mattes_box, self._with_browse(self.mattes_path, folder=True))
        form.addRow("", self.mattes_video)
        span = QHBoxLayout()
        span.addWidget(self.first)
        span.addWidget(QLabel("to"))
        span.addWidget(self.last)
        form.addRow("Frames", span)
        numbering = QLabel(f"Frames count from 0 (0 to {count - 1}), as on the timeline; a mattes folder "
                           "names each PNG by its frame (00000.png is frame 0).")
        numbering.setWordWrap(True)
        numbering.setStyleSheet("color: #a0a0a0")
        form.addRow("", numbering)
        form.addRow(self.progress)
        form.addRow(self.status)
        form.addRow(self.buttons)

    def choices(self) -> ExportChoices:
        """What the dialog shows now, as it is remembered for the next opening."""
        return ExportChoices(clip=self.clip_box.isChecked(), clip_path=self.clip_path.text(),
                             codec=self.codec.currentData(), quality=self.quality.value(),
                             keep_audio=self.keep_audio.isChecked(), mattes=self.mattes_box.isChecked(),
                             mattes_path=self.mattes_path.text(), mattes_as_video=self.mattes_video.isChecked())

    def _apply(self, choices: ExportChoices) -> None:
        # the codec and the mattes' kind first: they change the paths' suffixes
        self.codec.setCurrentIndex(max(0, self.codec.findData(choices.codec)))
        self._codec_changed()
        self.mattes_video.setChecked(choices.mattes_as_video)
        self.clip_box.setChecked(choices.clip)
        self.clip_path.setText(choices.clip_path)
        self.quality.setValue(choices.quality)
        self.keep_audio.setChecked(choices.keep_audio)
        self.mattes_box.setChecked(choices.mattes)
        self.mattes_path.setText(choices.mattes_path)

    def done(self, result: int) -> None:
        save_choices(self._settings, self._project, self.choices())  # closed, exported or not
        super().done(result)

    def show_in_folder(self) -> None:
        """Open the folder the last export was written to in the system's file manager."""
        if self.written_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written_folder)))

    def options(self) -> ExportOptions:
        settings = ExportSettings(codec=self.codec.currentData(), quality=self.quality.value(),
                                  keep_audio=self.keep_audio.isChecked())
        return ExportOptions(
            clip_dest=Path(self.clip_path.text()) if self.clip_box.isChecked() else None,
            mattes_dest=Path(self.mattes_path.text()) if self.mattes_box.isChecked() else None,
            mattes_as_video=self.mattes_video.isChecked(), settings=settings,
            start=self.first.value(), stop=self.last.value() + 1)

    def start(self) -> None:
        if self.first.value() > self.last.value():
            self.status.setText("The first frame must come before the last one.")
            return
        if not (self.clip_box.isChecked() or self.mattes_box.isChecked()):
            self.status.setText("Choose what to export: the cleaned clip, the mattes or both.")
            return
        options = self.options()
        try:  # destinations that are an input are refused before asking about replacing anything
            outputs = check_export(self._project, dataclasses.replace(options, overwrite=True))
        except KeyfillError as exc:
            self.status.setText(str(exc))
            return
        existing = existing_outputs(outputs)
        if existing and not self._confirm_replacing(existing):
            self.status.setText("Nothing was exported; choose other destinations, or export again and "
                                "confirm replacing.")
            return
        try:
            job = self._start_export(dataclasses.replace(options, overwrite=bool(existing)))
        except Exception as exc:  # KeyfillError from checking the project, shown here
            self.status.setText(str(exc))
            return
        save_choices(self._settings, self._project, self.choices())
        self.job = job
        self.show_button.hide()
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.show()
        self.status.setText("Exporting…")
        job.progressed.connect(self._progressed)
        job.succeeded.connect(self._done)
        job.failed.connect(self._failed)
        job.cancelled.connect(lambda: self._finished("Cancelled; nothing was written."))

    def _confirm_replacing(self, existing: list[str]) -> bool:
        answer = QMessageBox.question(
            self, "Replace existing files?", "\n\n".join(existing) + "\n\nExport and replace them?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return answer == QMessageBox.Yes

    def _progressed(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if message:
            self.status.setText(message)

    def _done(self, paths) -> None:
        paths = [Path(p) for p in paths]
        folders = {p.parent for p in paths}
        names = ", ".join(p.name for p in paths)
        self._finished(f"Written: {names} in {folders.pop()}" if len(folders) == 1 else
                       "Written: " + ", ".join(str(p) for p in paths))
        self.status.setToolTip("\n".join(str(p) for p in paths))
        self.progress.setValue(self.progress.maximum())
        self.written_folder = paths[0].parent if paths else None
        self.show_button.setVisible(self.written_folder is not None)

    def _failed(self, message: str) -> None:
        self._finished(message)

    def _finished(self, text: str) -> None:
        self.job = None
        self.status.setText(text)
        self.adjustSize()  # room for a wrapped message
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def _cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText("Cancelling…")
        else:
            self.reject()

    def _first_changed(self) -> None:
        enabled, text, tip = audio_choice(self._has_audio, self.first.value())
        self.keep_audio.setEnabled(enabled)
        self.keep_audio.setText(text)
        self.keep_audio.setToolTip(tip)

    def _codec_changed(self) -> None:
        codec = self.codec.currentData()
        self.quality.setEnabled(codec == "h264")
        suffix = next(s for _, c, s in CODECS if c == codec)
        self.clip_path.setText(with_video_suffix(self.clip_path.text(), suffix))

    def _mattes_kind_changed(self, as_video: bool) -> None:
        text = self.mattes_path.text()
        self.mattes_path.setText(with_video_suffix(text, ".mp4") if as_video else without_video_suffix(text))

    def _with_browse(self, edit: QLineEdit, folder: bool) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit)
        browse = QPushButton("…")
        browse.setMaximumWidth(32)

        def choose() -> None:
            # a name, new or existing: Export asks before replacing anything (so the file dialog does not)
            title = "Mattes folder" if folder and not self.mattes_video.isChecked() else "Export to"
            path, _ = QFileDialog.getSaveFileName(self, title, edit.text(),
                                                  options=QFileDialog.DontConfirmOverwrite)
            if path:
                edit.setText(path)

        browse.clicked.connect(choose)
        layout.addWidget(browse)
        return row


def with_video_suffix(path: str, suffix: str) -> str:
    """``path`` ending in ``suffix``: a video suffix it has is swapped, anything else kept whole
    (``take.v2_mattes`` -> ``take.v2_mattes.mp4``, never ``take.mp4``)."""
    if not path:
        return path
    p = Path(path)
    return str(p.with_suffix(suffix) if p.suffix.lower() in VIDEO_SUFFIXES else p.with_name(p.name + suffix))


def without_video_suffix(path: str) -> str:
    """``path`` without a video suffix (``take.v2_mattes.mp4`` -> ``take.v2_mattes``, ``take.v2`` kept)."""
    p = Path(path)
    return str(p.with_suffix("")) if path and p.suffix.lower() in VIDEO_SUFFIXES else path


def clip_has_audio(clip: Path) -> bool | None:
    """Whether the source has an audio stream; None when it cannot be read now (said as if it had)."""
    if clip.is_dir():
        return False  # an image sequence
    try:
        return bool(probe(clip).audio_streams)
    except (KeyfillError, OSError):  # missing (relink it) or unreadable now
        return None


def audio_choice(has_audio: bool | None, first: int) -> tuple[bool, str, str]:
    """``(enabled, text, tooltip)`` of "Keep the source's audio" for a range starting at ``first``:
    the export copies the audio only from frame 0 (a later start would play out of sync)."""
    if has_audio is False:
        return False, "Keep the source's audio (this clip has none)", ""
    tip = "The audio starts at frame 0: a range starting later is written without sound (out of sync)"
    if first > 0:
        return False, "Keep the source's audio (only for a range from frame 0)", tip
    return True, "Keep the source's audio", tip
