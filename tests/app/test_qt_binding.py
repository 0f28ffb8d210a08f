"""The Qt binding itself: PySide6 6.12.0's ``SignalInstance.emit`` returns ``True`` without a
reference of its own, so every emit made from Python drops one reference to ``True``; after some
thousands (minutes of playback) the interpreter aborts with "bool_dealloc: deallocating True or
False". The window emits on every frame, so that version cannot run it."""

import sys

import PySide6
from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    changed = Signal(int)


def test_signal_emit_keeps_the_reference_count_of_true():
    emitter = Emitter()
    seen = []
    emitter.changed.connect(seen.append)
    before = sys.getrefcount(True)
    for i in range(50):
        emitter.changed.emit(i)
    lost = before - sys.getrefcount(True)
    assert seen == list(range(50))
    assert lost < 10, (f"PySide6 {PySide6.__version__} loses a reference to True on every Signal.emit "
                       "(the window would crash within minutes); install another version, e.g. "
                       "pip install 'PySide6-Essentials==6.11.3'")
