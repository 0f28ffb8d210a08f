"""Settings: the compute device (an application setting), the working resolution, the removal
method and the rotoscoping outline refinement (the project's, saved with it)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

DEVICES = [("Auto (best available)", "auto"), ("CPU", "cpu"), ("CUDA (NVIDIA GPU)", "cuda"), ("MPS (Apple GPU)", "mps")]
WORKING_WIDTHS = [("320 px (fastest)", 320), ("480 px (default)", 480), ("640 px", 640), ("960 px", 960),
                  ("1280 px (slow, finest)", 1280)]
REMOVAL_METHODS = [("Auto (the network when a model is installed)", "auto"), ("Network", "network"),
                   ("Classical flow fill", "flow")]


class SettingsDialog(QDialog):
    def __init__(self, device: str, working_width: int | None, removal_method: str | None = None,
                 parent: QWidget | None = None, refine_outlines: bool | None = None,
                 fill_texture: bool | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.device.setCurrentIndex(max(0, self.device.findData(device)))
        self.device.setToolTip("Where the network runs; Auto picks CUDA, then MPS, then the CPU")
        self.width = QComboBox()
        for label, value in WORKING_WIDTHS:
            self.width.addItem(label, value)
        if working_width is not None and self.width.findData(working_width) < 0:
            self.width.addItem(f"{working_width} px", working_width)
        self.width.setCurrentIndex(max(0, self.width.findData(working_width if working_width else 480)))
        self.width.setEnabled(working_width is not None)
        self.width.setToolTip("Optical flow and the network run this wide; results are upsampled to the clip's size")
        self.method = QComboBox()
        for label, value in REMOVAL_METHODS:
            self.method.addItem(label, value)
        self.method.setCurrentIndex(max(0, self.method.findData(removal_method or "auto")))
        self.method.setEnabled(removal_method is not None)
        self.method.setToolTip("What fills the removed object: the network (from keyframes), or the classical "
                               "flow fill, which needs no model; Auto falls back to it when no model loads")
        self.refine = QCheckBox("Refine outlines from the keyframes")
        self.refine.setChecked(refine_outlines is not False)
        self.refine.setEnabled(refine_outlines is not None)
        self.refine.setToolTip("Propagate masks: a small network learns the object from your keyframes and "
                               "pulls every propagated mask onto its outline (up to 2 minutes more per object "
                               "on a laptop CPU, half of that after adding or fixing a keyframe; much "
                               "better edges)")
        self.texture = QCheckBox("Continue the background's texture where no frame shows it")
        self.texture.setChecked(fill_texture is True)
        self.texture.setEnabled(fill_texture is not None)
        self.texture.setToolTip("Remove: where the object never moves off its background (a singer before a wall), "
                                "fill with patches of the frame's own background (bricks, gravel, leaves) "
                                "instead of a smooth smear. It can copy the wrong surface (water onto a "
                                "shore), so look at the result; off by default")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Device", self.device)
        form.addRow("Working resolution", self.width)
        form.addRow("Removal", self.method)
        form.addRow("", self.texture)
        form.addRow("Rotoscoping", self.refine)
        if working_width is None:
            form.addRow(QLabel("Open a project to change its working resolution, removal and rotoscoping."))
        form.addRow(buttons)

    def values(self) -> tuple[str, int, str]:
        """(device, working width in pixels, removal method)."""
        return self.device.currentData(), self.width.currentData(), self.method.currentData()

    def refine_outlines(self) -> bool:
        return self.refine.isChecked()

    def fill_texture(self) -> bool:
        return self.texture.isChecked()
