"""The Training panel's two live plots and the series they draw: the loss at every step, and the
held-out hole PSNR at each validation (step 0: the starting weights) against the flow fill's, a
dashed line."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout, QVBoxLayout, QWidget

from app.theme import ACCENT

PSNR_COLOUR = "#7fd47f"


class TrainingPlots(QWidget):
    """The loss plot above the held-out PSNR plot (2:1 of the height they share)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps_seen: list[int] = []
        self.losses: list[float] = []
        self.validations: list[tuple[int, float]] = []  # (step, held-out hole PSNR dB)
        self.baseline: tuple[float, float] | None = None  # (flow fill, start) dB
        self.loss_plot = training_plot("loss")
        self.curve = self.loss_plot.plot([], [], pen=pg.mkPen(ACCENT, width=2), name="loss")
        self.psnr_plot = training_plot("held-out dB")
        self.psnr_curve = self.psnr_plot.plot([], [], pen=pg.mkPen(PSNR_COLOUR, width=2), symbol="o",
                                              symbolSize=5, symbolBrush=PSNR_COLOUR, name="held-out PSNR")
        self.flow_fill_line = pg.InfiniteLine(angle=0, pen=pg.mkPen("#b8b8b8", style=Qt.DashLine))
        self.flow_fill_line.setVisible(False)
        self.psnr_plot.addItem(self.flow_fill_line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSizeConstraint(QLayout.SetMinAndMaxSize)  # never taller than the plots' maximum heights
        layout.addWidget(self.loss_plot, 2)
        layout.addWidget(self.psnr_plot, 1)

    def clear(self) -> None:
        """Empty plots for a new run."""
        self.steps_seen, self.losses, self.validations, self.baseline = [], [], [], None
        self.curve.setData([], [])
        self.psnr_curve.setData([], [])
        self.flow_fill_line.setVisible(False)

    def add_loss(self, step: int, loss: float) -> None:
        self.steps_seen.append(step)
        self.losses.append(loss)
        self.curve.setData(self.steps_seen, self.losses)

    def show_history(self, history) -> None:
        """The whole run's losses, rows ``(step, loss, ...)``, as the finished run reports them."""
        self.steps_seen = [int(row[0]) for row in history]
        self.losses = [row[1] for row in history]
        self.curve.setData(self.steps_seen, self.losses)

    def add_validation(self, step: int, psnr: float) -> None:
        self.validations.append((step, psnr))
        self._show_validations()

    def set_baseline(self, flow_fill: float, before: float) -> None:
        """The flow fill's and the starting weights' held-out hole PSNR (dB)."""
        self.baseline = (flow_fill, before)
        self.flow_fill_line.setPos(flow_fill)
        self.flow_fill_line.setVisible(True)
        self.validations.insert(0, (0, before))  # step 0: the starting weights
        self._show_validations()

    def held_out_text(self) -> str | None:
        """The latest held-out score beside the flow fill's and the start's; None before both exist."""
        latest = self.validations[-1][1] if self.validations else None
        if latest is None or self.baseline is None:
            return None
        flow_fill, before = self.baseline
        return f"Held-out hole PSNR: {latest:.2f} dB (flow fill {flow_fill:.2f} dB, start {before:.2f} dB)"

    def gain_text(self) -> str:
        """`` (held-out: +0.40 dB over the flow fill)``, or what stands in for it; empty without a baseline."""
        if self.baseline is None:
            return ""
        scored = [p for s, p in self.validations if s > 0]
        if not scored:
            return " (held-out: not scored yet, stopped before the first validation)"
        gain = scored[-1] - self.baseline[0]
        return f" (held-out: {gain:+.2f} dB {'over' if gain >= 0 else 'under'} the flow fill)"

    def _show_validations(self) -> None:
        self.psnr_curve.setData([s for s, _ in self.validations], [p for _, p in self.validations])


def training_plot(label: str) -> pg.PlotWidget:
    """A dark plot of ``label`` against the step, fixed in place (no mouse zoom)."""
    plot = pg.PlotWidget(background="#202022")
    plot.setMinimumHeight(90)
    plot.setMaximumHeight(240)  # in a scrolling dock: a plot as tall as its hint would push the rest away
    plot.showGrid(x=True, y=True, alpha=0.15)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setTextPen("#b8b8b8")
        axis.setPen("#5a5a5e")
        axis.enableAutoSIPrefix(False)  # losses read as they are printed, not as "x0.001"
    plot.setLabel("bottom", "step", color="#b8b8b8")
    plot.setLabel("left", label, color="#b8b8b8")
    plot.setMouseEnabled(x=False, y=False)
    plot.getPlotItem().hideButtons()
    plot.setFocusPolicy(Qt.NoFocus)
    return plot
