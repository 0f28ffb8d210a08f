"""core.process_memory: glibc's mmap threshold fixed for 4K clips only."""

from __future__ import annotations

import core.process_memory as process_memory


def test_only_clips_above_two_1080p_frames_of_pixels_fix_the_threshold(monkeypatch):
    calls = []
    monkeypatch.setattr(process_memory, "return_large_blocks", lambda: calls.append(1) or True)
    assert not process_memory.return_large_blocks_for(1920, 1080)  # 1080p keeps glibc's faster default
    assert not process_memory.return_large_blocks_for(854, 480)
    assert calls == []
    assert process_memory.return_large_blocks_for(3840, 2160)
    assert calls == [1]
