"""Which frames the network reads for a target, and which frames it renders in a whole clip.

Following the paper's video setting (Esser et al., Sec. 4 and Supplementary A, "Ours 14"):

- a target frame ``t`` reads the keyframes at offsets ``±{5, 10, 15, 20, 40, 60, 80}`` frames
  (those outside the clip are dropped), plus the project's content keyframes (frames the user
  fixed by hand: fully known, so they always take part, nearest first);
- in a whole clip the network renders every 20th frame (the *anchors*: frames 0, 20, 40, ...,
  the last frame, and every content keyframe, which is its own render); the frames between two
  anchors are propagated from those two along the flow.

A frame's result depends only on the two anchors around it, so any range of frames can be
rendered on its own (a render farm splits a clip into chunks of ``ANCHOR_STEP`` frames) and gives
the same frames as a whole-clip render.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Sequence

KEYFRAME_OFFSETS: tuple[int, ...] = (5, 10, 15, 20, 40, 60, 80)
"""Frames between a target and the keyframes it reads, on each side (the paper's 14 keyframes)."""

CORRECTION_OFFSETS: tuple[int, ...] = (10,)
"""Keyframe offsets of a model that corrects the flow fill: the fill already brings what other
frames show, and the model was trained reading two keyframes (core/train/prealign_samples.py)."""

ANCHOR_STEP = 20
"""The network renders every ``ANCHOR_STEP``-th frame; the frames between are propagated."""

MAX_CONTENT_KEYFRAMES = 4
"""Content keyframes a target reads at most (the nearest ones): each costs an encoder pass."""


def keyframes_for(
    target: int,
    frame_count: int,
    *,
    content_keyframes: Iterable[int] = (),
    offsets: Sequence[int] = KEYFRAME_OFFSETS,
    max_content: int = MAX_CONTENT_KEYFRAMES,
) -> list[int]:
    """The keyframes of ``target``, nearest first (ties: the earlier frame first), without
    ``target`` itself or duplicates.

    Offsets landing outside ``0 .. frame_count - 1`` are dropped. The ``max_content`` content
    keyframes nearest to ``target`` are always included, wherever they are in the clip; they come
    first, because fully known frames are the best source of a fill.
    """
    if not 0 <= target < frame_count:
        raise IndexError(f"frame {target} outside 0..{frame_count - 1}")
    content = sorted((f for f in set(content_keyframes) if f != target and 0 <= f < frame_count),
                     key=lambda f: (abs(f - target), f))[:max_content]
    scheduled = {target + side * offset for offset in offsets for side in (-1, 1)}
    scheduled = {f for f in scheduled if 0 <= f < frame_count and f != target} - set(content)
    return content + sorted(scheduled, key=lambda f: (abs(f - target), f))


def anchor_frames(frame_count: int, *, content_keyframes: Iterable[int] = (),
                  step: int = ANCHOR_STEP) -> list[int]:
    """Sorted frames rendered by the network (or taken as fixed): every ``step``-th frame, the last
    frame, and the content keyframes."""
    if frame_count < 1:
        return []
    anchors = set(range(0, frame_count, step)) | {frame_count - 1}
    anchors |= {f for f in content_keyframes if 0 <= f < frame_count}
    return sorted(anchors)


def segment_of(frame: int, anchors: Sequence[int]) -> tuple[int, int]:
    """``(a, b)``: the anchors around ``frame`` (``a <= frame <= b``); ``(frame, frame)`` for an
    anchor. ``anchors`` is sorted and covers the clip's first and last frames."""
    if not anchors or not anchors[0] <= frame <= anchors[-1]:
        raise IndexError(f"frame {frame} is not between the anchors {anchors[:1]}..{anchors[-1:]}")
    i = bisect_left(anchors, frame)
    if anchors[i] == frame:
        return frame, frame
    return anchors[i - 1], anchors[i]


def anchors_needed(frames: Iterable[int], anchors: Sequence[int]) -> list[int]:
    """Sorted anchors the given frames depend on (their own anchors or their segments' ends)."""
    needed: set[int] = set()
    for frame in frames:
        needed.update(segment_of(frame, anchors))
    return sorted(needed)


def chunks(frame_count: int, step: int = ANCHOR_STEP) -> list[range]:
    """The clip split into independent ranges of ``step`` frames: ``0..19``, ``20..39``, ..."""
    return [range(start, min(start + step, frame_count)) for start in range(0, frame_count, step)]


def parse_frame_range(text: str, frame_count: int) -> range:
    """``"40-59"`` (inclusive), ``"40"``, ``"40-"`` (to the end) or ``"-59"`` -> a ``range``.

    Raises ``ValueError`` with a message naming the problem for malformed or out-of-clip ranges.
    """
    text = text.strip()
    try:
        if "-" in text:
            first_text, last_text = text.split("-", 1)
            first = int(first_text) if first_text.strip() else 0
            last = int(last_text) if last_text.strip() else frame_count - 1
        else:
            first = last = int(text)
    except ValueError:
        raise ValueError(f"frame range {text!r} is not FIRST-LAST (e.g. 40-59)") from None
    if not 0 <= first <= last < frame_count:
        raise ValueError(f"frame range {text!r} is outside the clip's frames 0-{frame_count - 1}")
    return range(first, last + 1)
