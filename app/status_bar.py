"""The status bar: the compute device, the memory in use, what is running (with Cancel), and the
last notice (in full on hover, or in a window when its icon is clicked)."""

from __future__ import annotations

import os
import sys
import threading

import qtawesome as qta
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QStatusBar, QToolButton

from app.notices import in_window_words
from app.spinner import BusySpinner
from app.workers.tracker import JobTracker

MEMORY_REFRESH_MS = 2000
NOTICE_MS = 10000


def process_rss_bytes() -> int | None:
    """Resident memory of this process, or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # peak, not current: best available
        return peak if sys.platform == "darwin" else peak * 1024
    except (ImportError, OSError):
        return None


class DeviceProbe:
    """Resolves the device preference with torch on a daemon thread (importing torch takes seconds)."""

    def __init__(self) -> None:
        self.result: str | None = None
        self._preference: str | None = None

    def request(self, preference: str) -> None:
        if preference == self._preference:
            return
        self._preference, self.result = preference, None

        def resolve() -> None:
            from core.device import resolve_device

            device = resolve_device(preference)
            if self._preference == preference:
                self.result = device

        threading.Thread(target=resolve, name="device probe", daemon=True).start()


class StatusBar(QStatusBar):
    def __init__(self, jobs: JobTracker, parent=None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.preference = "auto"
        self.probe = DeviceProbe()
        self.spinner = BusySpinner(14)  # turns only while shown
        self.spinner.hide()
        self.activity = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setMaximumHeight(14)
        self.progress_bar.hide()
        self.cancel_button = QToolButton()
        self.cancel_button.setIcon(qta.icon("fa6s.xmark", color="#dddddd"))
        self.cancel_button.setToolTip("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        self.cancel_button.hide()
        # the status bar's message is cut at the permanent widgets: the whole notice stays here
        self.last_notice = ""
        self.notice_button = QToolButton()
        self.notice_button.setIcon(qta.icon("fa6s.circle-info", color="#e0b040"))
        self.notice_button.setAutoRaise(True)
        self.notice_button.clicked.connect(self.show_last_notice)
        self.notice_button.hide()  # until there is a notice
        self.messageChanged.connect(lambda text: self.setToolTip(text))  # hover: the whole message
        self.fill = QLabel("")
        self.fill.setToolTip("What fills the removed objects in the preview (Edit › Settings › Removal)")
        self.device = QLabel("Device: …")
        self.memory = QLabel("")
        for widget in (self.notice_button, self.spinner, self.activity, self.progress_bar, self.cancel_button,
                       self.fill, self.device, self.memory):
            self.addPermanentWidget(widget)
        self._busy_text = ""
        jobs.changed.connect(self._show_jobs)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._refresh)
        self._timer.start(MEMORY_REFRESH_MS)
        self._refresh()

    def set_device_preference(self, preference: str, probe: bool = True) -> None:
        self.preference = preference
        if probe:
            self.probe.request(preference)
        self._refresh()

    def set_fill(self, method: str) -> None:
        """``"network"`` or ``"flow"``: what the preview was last rendered with ("" when unknown)."""
        self.fill.setText({"network": "Fill: network", "flow": "Fill: flow fill"}.get(method, method))

    def show_notice(self, message: str) -> None:
        """One line the user should see (a fallback, a worker's failure): shown for a while, then
        kept behind the notice icon (its tooltip, or a click, shows the whole text)."""
        message = in_window_words(message)
        self.last_notice = message
        self.showMessage(message, NOTICE_MS)
        self.notice_button.setToolTip(f"{message}\n\n(Click to read it in a window.)")
        self.notice_button.show()

    def show_last_notice(self) -> QMessageBox | None:
        if not self.last_notice:
            return None
        box = QMessageBox(QMessageBox.Information, "Keyfill", self.last_notice, QMessageBox.Ok, self.window())
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()  # not exec(): never blocks the event loop
        return box

    def set_busy(self, busy: bool, text: str) -> None:
        """The live preview / heat map (not a job): spinner and text, no progress bar."""
        self._busy_text = text if busy else ""
        self._show_jobs()

    def _show_jobs(self) -> None:
        visible = self.jobs.visible()
        if visible:
            job = visible[0]
            done, total, message = self.jobs.progress.get(job, (0, 0, ""))
            self.activity.setText(message or job.title + "…")
            self.progress_bar.setRange(0, max(total, 0))
            self.progress_bar.setValue(done)
        else:
            self.activity.setText(self._busy_text)
        self.progress_bar.setVisible(bool(visible))
        self.cancel_button.setVisible(bool(visible))
        self.spinner.setVisible(bool(visible) or bool(self._busy_text))

    def _cancel(self) -> None:
        visible = self.jobs.visible()
        if visible:
            visible[0].cancel()
            self.activity.setText("Cancelling…")

    def _refresh(self) -> None:
        resolved = self.probe.result
        name = {"auto": "Auto", "cpu": "CPU", "cuda": "CUDA", "mps": "MPS"}
        shown = name.get(self.preference, self.preference)
        if resolved is not None:
            shown = f"{shown} → {name.get(resolved, resolved)}" if self.preference == "auto" else (
                shown if resolved == self.preference else f"{shown} unavailable → CPU")
        self.device.setText(f"Device: {shown}")
        rss = process_rss_bytes()
        self.memory.setText(f"Memory: {rss / 2**20:,.0f} MB" if rss is not None else "")
