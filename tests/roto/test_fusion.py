"""Fusing the two keyframes' sides: a side that cannot see the object does not erase it.

bmx-trees with keyframes 0 and 69 (the rider half hidden behind a trunk at 69): the side carried
back from 69 lost the rider and carried a trusted "nothing here" over him, the one from 0 had him
with little trust left, and their blend fell under 0.5 between the keyframes (whole-clip J&F 70.2
with frame 0 alone, 39.4 with both). These scenes rebuild that frame of the fusion.
"""

from __future__ import annotations

import numpy as np

from core.roto.carry import CarriedMatte
from core.roto.mask_pieces import object_missed_by
from core.roto.propagate import fuse_two_sides

SIZE = (60, 80)
LEFT_KEYFRAME, FRAME, RIGHT_KEYFRAME = 0, 52, 69  # the frame is near the right keyframe


def box(top: int, left: int, height: int, width: int) -> np.ndarray:
    matte = np.zeros(SIZE, np.float32)
    matte[top : top + height, left : left + width] = 1.0
    return matte


def side(matte: np.ndarray, confidence: float) -> CarriedMatte:
    return CarriedMatte(FRAME, matte, np.full(SIZE, confidence, np.float32))


def test_a_side_that_lost_the_object_does_not_erase_what_the_other_side_carries():
    rider = box(20, 10, 24, 16)  # carried from the left keyframe, its flow trust nearly spent
    lost_piece = box(30, 60, 8, 6)  # what the right side carried back from the half-hidden rider
    matte, _ = fuse_two_sides(side(rider, 0.01), side(lost_piece, 0.2), LEFT_KEYFRAME, RIGHT_KEYFRAME)
    assert (matte[rider > 0] >= 0.5).all()
    # the other side's own piece is still blended as before: the near, trusted side keeps it
    assert (matte[lost_piece > 0] >= 0.5).all()


def test_a_leak_of_one_side_is_still_voted_away_by_the_other():
    rider = box(20, 10, 24, 16)
    leak = box(25, 50, 12, 10)  # a second, smaller piece on a tree trunk, carried by one side only
    matte, _ = fuse_two_sides(side(np.maximum(rider, leak), 0.2), side(rider, 0.3), LEFT_KEYFRAME, RIGHT_KEYFRAME)
    assert (matte[rider > 0] >= 0.5).all()
    assert (matte[leak > 0] < 0.5).all()


def test_a_side_carrying_nothing_does_not_fade_the_object_out_before_its_keyframe():
    """surf, keyframes 0 and 54 (54 empty: the surfer has gone under): he faded out from frame
    35 while still in view until 53."""
    rider = box(20, 10, 24, 16)
    nothing = np.zeros(SIZE, np.float32)
    matte, _ = fuse_two_sides(side(rider, 0.01), side(nothing, 0.2), LEFT_KEYFRAME, RIGHT_KEYFRAME)
    assert (matte[rider > 0] >= 0.5).all()


def test_only_the_larger_object_out_of_the_other_sides_reach_counts_as_missed():
    rider, piece = box(20, 10, 24, 16), box(30, 60, 8, 6)
    assert object_missed_by(rider, piece).sum() == rider.sum()
    assert not object_missed_by(piece, rider).any()  # the smaller of two objects apart
    near = box(20, 30, 10, 4)  # 4 px from the rider: the other side sees him
    assert not object_missed_by(rider, near).any()
