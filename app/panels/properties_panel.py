"""Properties: brush size / hardness / opacity, mask overlay opacity, and the project's feather."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLabel, QSlider, QSpinBox, QWidget

from app.commands import UpdateSettingsCommand
from app.session import Session
from app.viewer.tools import MAX_RADIUS, MIN_RADIUS, BrushSettings


class PropertiesPanel(QWidget):
    maskOpacityChanged = Signal(float)  # 0..1

    def __init__(self, session: Session, brush: BrushSettings, mask_opacity: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.brush = session, brush
        self.size = QSpinBox()
        self.size.setRange(int(MIN_RADIUS) * 2, int(MAX_RADIUS) * 2)
        self.size.setSuffix(" px")
        self.size.setToolTip("Brush diameter in image pixels ( [ and ] )")
        self.size.valueChanged.connect(lambda v: brush.update(radius=v / 2))
        self.hardness = _percent_slider(lambda v: brush.update(hardness=v / 100), "Edge: 100 % hard, lower is softer")
        self.opacity = _percent_slider(lambda v: brush.update(opacity=v / 100),
                                       "Masks are 1-bit: below 50 % a stroke paints nothing")
        self.mask_opacity = _percent_slider(lambda v: self.maskOpacityChanged.emit(v / 100), "Fill of the mask overlay")
        self.mask_opacity.setValue(round(mask_opacity * 100))
        self.feather = QDoubleSpinBox()
        self.feather.setRange(0, 50)
        self.feather.setSingleStep(0.5)
        self.feather.setSuffix(" px")
        self.feather.setToolTip("Feathering of the mask edge when compositing the removal")
        self.feather.editingFinished.connect(self._feather_edited)
        form = QFormLayout(self)
        form.addRow(QLabel("<b>Brush</b>"))
        form.addRow("Size", self.size)
        form.addRow("Hardness", self.hardness)
        form.addRow("Opacity", self.opacity)
        form.addRow(QLabel("<b>Masks</b>"))
        form.addRow("Overlay opacity", self.mask_opacity)
        form.addRow("Feather", self.feather)
        brush.changed.connect(self._show_brush)
        session.projectReplaced.connect(self._show_settings)
        session.projectChanged.connect(lambda e: e.kind == "settings" and self._show_settings())
        self._show_brush()
        self._show_settings()

    def _show_brush(self) -> None:
        for widget, value in ((self.size, round(self.brush.radius * 2)), (self.hardness, round(self.brush.hardness * 100)),
                              (self.opacity, round(self.brush.opacity * 100))):
            with QSignalBlocker(widget):
                widget.setValue(value)

    def _show_settings(self) -> None:
        project = self.session.project
        self.feather.setEnabled(project is not None)
        if project is not None:
            with QSignalBlocker(self.feather):
                self.feather.setValue(project.settings.feather)

    def _feather_edited(self) -> None:
        project = self.session.project
        if project is not None and abs(project.settings.feather - self.feather.value()) > 1e-9:
            self.session.push(UpdateSettingsCommand(project, feather=self.feather.value()))


def _percent_slider(on_change, tip: str) -> QSlider:
    slider = QSlider(Qt.Horizontal)
    slider.setRange(0, 100)
    slider.setToolTip(tip)
    slider.valueChanged.connect(on_change)
    return slider
