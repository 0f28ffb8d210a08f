"""Export from the dialog: a job writes a playable clip (and mattes) for the chosen frames."""

import numpy as np
from PySide6.QtCore import Qt

from core.video import open_clip, probe

EXPORT_TIMEOUT_MS = 60000


def give_every_frame_a_mask(project, upto: int) -> None:
    """Stand-in for propagation (tested elsewhere): each frame gets frame 0's mask."""
    oid = project.objects[0].id
    project.set_propagated_masks(oid, {f: project.mask(oid, 0) for f in range(1, upto)})


def test_export_writes_a_playable_clip_and_mattes(window, qtbot, tmp_path):
    project = window.session.project
    give_every_frame_a_mask(project, 6)
    dialog = window.operations.export()
    assert dialog.isVisible()
    dialog.clip_path.setText(str(tmp_path / "clean.mp4"))
    dialog.mattes_box.setChecked(True)
    dialog.mattes_path.setText(str(tmp_path / "mattes"))
    dialog.last.setValue(5)  # frames 0 to 5
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert dialog.job is not None and not dialog.export_button.isEnabled()
    with qtbot.waitSignal(dialog.job.succeeded, timeout=EXPORT_TIMEOUT_MS):
        pass
    assert dialog.status.text() == f"Written: clean.mp4, mattes in {tmp_path}"
    info = probe(tmp_path / "clean.mp4")
    assert (info.width, info.height, info.frame_count) == (432, 240, 6)
    assert info.frame_rate == project.clip.frame_rate and info.codec == "h264"
    with open_clip(tmp_path / "clean.mp4") as reader:
        frames = list(reader.frames())
    assert len(frames) == 6 and all(f.shape == (240, 432, 3) for f in frames)
    with open_clip(project.clip.path) as reader:
        source = reader.frame(0)
    mask = project.mask(project.objects[0].id, 0) > 0
    changed = np.abs(frames[0].astype(int) - source.astype(int)).mean(axis=2)
    assert changed[mask].mean() > 4 * changed[~mask].mean(), "the masked object was removed, the rest kept"
    mattes = sorted((tmp_path / "mattes").iterdir())
    assert len(mattes) == 6 and all(p.suffix == ".png" for p in mattes)
    assert dialog.cancel_button.text() == "Close"


def test_export_without_masks_explains_instead_of_starting(window, qtbot, tmp_path):
    dialog = window.operations.export()
    dialog.clip_path.setText(str(tmp_path / "clean.mp4"))
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert dialog.job is None and dialog.export_button.isEnabled()
    assert "frames have no mask" in dialog.status.text() and "propagate" in dialog.status.text()
    assert not (tmp_path / "clean.mp4").exists()
    dialog.first.setValue(10)
    dialog.last.setValue(5)
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert "first frame must come before" in dialog.status.text()


def test_codec_choice_changes_the_file_suffix(window):
    dialog = window.operations.export()
    dialog.codec.setCurrentIndex(dialog.codec.findData("prores"))
    assert dialog.clip_path.text().endswith("_clean.mov") and not dialog.quality.isEnabled()
    dialog.mattes_video.setChecked(True)
    assert dialog.mattes_path.text().endswith("_mattes.mp4")


def test_the_audio_choice_says_what_the_export_will_do(window):
    """The sample has no audio: the box said "Keep the source's audio (whole clip only)", ticked,
    and a range from frame 0 keeps the audio of a clip that has some (not only the whole clip)."""
    from app.dialogs.export_dialog import audio_choice

    dialog = window.operations.export()
    assert not dialog.keep_audio.isEnabled() and "this clip has none" in dialog.keep_audio.text()
    assert audio_choice(True, 0) == (True, "Keep the source's audio", audio_choice(True, 0)[2])
    enabled, text, tip = audio_choice(True, 10)
    assert not enabled and "from frame 0" in text and "out of sync" in tip
    assert audio_choice(None, 0)[0], "a clip that cannot be probed now: the choice stays open"
    dialog._has_audio = True  # as for a clip with sound
    dialog.first.setValue(10)
    assert not dialog.keep_audio.isEnabled() and "from frame 0" in dialog.keep_audio.text()
    dialog.first.setValue(0)
    assert dialog.keep_audio.isEnabled() and dialog.keep_audio.text() == "Keep the source's audio"
