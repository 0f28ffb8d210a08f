"""Which keyframes a target reads and which frames the network renders."""

import pytest

from core.render.keyframe_schedule import (anchor_frames, anchors_needed, chunks, keyframes_for,
                                           parse_frame_range, segment_of)


def test_the_paper_s_fourteen_offsets_in_the_middle_of_a_long_clip():
    keyframes = keyframes_for(100, 300)
    assert sorted(keyframes) == sorted(100 + s * o for o in (5, 10, 15, 20, 40, 60, 80) for s in (-1, 1))
    assert keyframes[:2] == [95, 105]  # nearest first, earlier first on ties


def test_offsets_outside_the_clip_are_dropped():
    assert keyframes_for(3, 30) == [8, 13, 18, 23]
    assert keyframes_for(29, 30) == [24, 19, 14, 9]
    assert keyframes_for(0, 1) == []


def test_content_keyframes_come_first_nearest_first_and_are_not_repeated():
    keyframes = keyframes_for(50, 200, content_keyframes=[190, 55, 3, 50, 40], max_content=3)
    assert keyframes[:3] == [55, 40, 3]  # the target itself is not its own keyframe; 190 is 4th nearest
    assert keyframes.count(55) == 1 and keyframes.count(40) == 1
    assert 190 not in keyframes and 50 not in keyframes
    assert 45 in keyframes and 130 in keyframes


def test_target_outside_the_clip_is_an_error():
    with pytest.raises(IndexError):
        keyframes_for(30, 30)


def test_anchors_every_twentieth_frame_plus_the_last_and_content_keyframes():
    assert anchor_frames(70) == [0, 20, 40, 60, 69]
    assert anchor_frames(61) == [0, 20, 40, 60]
    assert anchor_frames(45, content_keyframes=[7, 99]) == [0, 7, 20, 40, 44]


def test_segments_and_the_anchors_a_range_needs():
    anchors = anchor_frames(70)
    assert segment_of(45, anchors) == (40, 60)
    assert segment_of(40, anchors) == (40, 40)
    assert segment_of(65, anchors) == (60, 69)
    assert anchors_needed(range(40, 60), anchors) == [40, 60]
    assert anchors_needed(range(45, 47), anchors) == [40, 60]


def test_chunks_cover_the_clip_in_steps_of_twenty():
    assert chunks(45) == [range(0, 20), range(20, 40), range(40, 45)]


@pytest.mark.parametrize("text, expected", [("40-59", range(40, 60)), ("7", range(7, 8)),
                                            ("60-", range(60, 70)), ("-3", range(0, 4))])
def test_frame_ranges(text, expected):
    assert parse_frame_range(text, 70) == expected


@pytest.mark.parametrize("text", ["50-40", "60-70", "abc", "1-2-3"])
def test_bad_frame_ranges(text):
    with pytest.raises(ValueError):
        parse_frame_range(text, 70)
