"""One numbering for what a user sees: frames count from 0 in the window (timeline, keyframes list,
undo history, export range), as in the timecode, the CLI's --frames and the file names
(``00020.png`` is frame 20)."""

from fractions import Fraction

from app.timeline.timeline_widget import frame_label


def test_the_playhead_tag_counts_from_zero_like_the_timecode():
    assert frame_label(0, 80, Fraction(24)) == "frame 0 of 0–79   00:00:00:00"
    assert frame_label(25, 80, Fraction(24)) == "frame 25 of 0–79   00:00:01:01"


def test_the_keyframes_list_names_frames_as_their_mask_files(window):
    from tests.app.conftest import SAMPLE

    files = sorted(int(p.stem) for p in (SAMPLE.parent / "bmx-trees_masks").glob("*.png"))
    tree = window.keyframes_panel.tree
    shown = [int(tree.topLevelItem(i).text(0)) for i in range(tree.topLevelItemCount())]
    assert shown == files == [0, 20, 40, 60, 79]


def test_the_export_range_counts_from_zero(window):
    dialog = window.operations.export()
    assert (dialog.first.minimum(), dialog.last.maximum(), dialog.last.value()) == (0, 79, 79)
    dialog.first.setValue(20)
    dialog.last.setValue(39)
    options = dialog.options()
    assert (options.start, options.stop) == (20, 40), "frames 20 to 39: 00020.png to 00039.png"
    dialog.reject()


def test_the_undo_history_names_the_frame_as_the_timeline_does(window, tmp_path):
    import numpy as np
    from PIL import Image

    image = tmp_path / "fix.png"
    Image.fromarray(np.zeros((240, 432, 3), np.uint8)).save(image)
    window.session.set_frame(10)
    window.operations.fix_frame(image)
    assert window.session.undo_stack.undoText() == "Fix frame 10"
