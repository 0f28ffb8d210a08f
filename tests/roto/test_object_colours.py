"""No leak onto what differs from the background without being the object (issue 15): water
carried once as the duck (DAVIS mallard-water grew to 12 times the duck's area from one keyframe,
refiner off) leaves the mask by its colours, and background the carried mask kept for longer
than any neighbour shows is compared with the keyframe."""

from __future__ import annotations

import numpy as np

from core.flow import FlowField
from core.roto.background_cue import CUE_HIGH, CUE_LOW, BackgroundCue, Keyframe, blend_with_difference
from core.roto.object_colours import ObjectColours
from tests.roto_scenes import texture


def test_colours_are_the_objects_where_the_keyframe_shows_them_on_the_object_only():
    frame = np.zeros((40, 40, 3), np.uint8)
    frame[...] = (30, 60, 200)  # blue surround
    frame[10:30, 10:30] = (200, 60, 30)  # a red object
    mask = np.zeros((40, 40), np.uint8)
    mask[10:30, 10:30] = 255
    colours = ObjectColours.learn(frame, mask)
    probe = np.array([[(200, 60, 30), (204, 58, 33), (30, 60, 200), (40, 220, 40)]], np.uint8)
    red, nearly_red, blue, green = colours.likelihood(probe)[0]
    assert red > 0.99 and nearly_red > 0.99 and blue < 0.01
    assert abs(green - 0.5) < 0.01  # a colour neither side shows is undecided


def test_background_the_carried_mask_kept_for_longer_than_any_neighbour_shows_is_compared_with_the_keyframe():
    """Each neighbour's matte covered the stuck patch too, so none showed its background and the
    patch stayed object for good (dance-jump: the mask stretched over the fountain behind the
    dancer, 1.8 times her area); the keyframe shows it."""
    background = texture(3, 72, 96)

    def frame_of(index: int) -> np.ndarray:
        image = background.copy()
        image[20:44, 4 + 3 * index : 28 + 3 * index] = texture(4, 24, 24)  # an object moving right
        return image

    def object_at(index: int) -> np.ndarray:
        matte = np.zeros((72, 96), np.float32)
        matte[20:44, 4 + 3 * index : 28 + 3 * index] = 1.0
        return matte

    stuck = (slice(50, 62), slice(60, 72))  # background the mask kept since frame 1
    mattes = {0: object_at(0)}
    for index in range(1, 15):
        mattes[index] = object_at(index)
        mattes[index][stuck] = 1.0
    cue = BackgroundCue(frame_of, FlowField(frame_of, 15))
    neighbours = [13, 11, 8, 4]
    plain_difference, plain_known = cue.difference(14, mattes, neighbours)
    assert not plain_known[stuck].any()
    keyframe = Keyframe.painted(0, frame_of(0), (object_at(0) * 255).astype(np.uint8))
    difference, known = cue.difference(14, mattes, neighbours, keyframe)
    assert known[stuck].all()
    assert np.percentile(difference[stuck], 95) < CUE_LOW  # matches the background: leaves the mask
    moved_onto = (slice(22, 42), slice(48, 52))  # where the object is now and the keyframe showed background
    assert difference[moved_onto].mean() > CUE_HIGH


def test_a_carried_patch_in_the_surrounds_colours_leaves_the_mask_and_a_lone_pixel_stays():
    matte = np.zeros((40, 40), np.float32)
    matte[10:30, 5:35] = 1.0  # carried: the object (left) and water it took along (right)
    object_colour = np.full((40, 40), 0.9, np.float32)
    object_colour[:, 22:] = 0.05  # the right part has the surround's colours
    object_colour[15, 10] = 0.0  # one pixel of the object that happens to look like the surround
    known = np.zeros((40, 40), bool)  # no neighbour shows the background: the carried matte would stay
    difference = np.zeros((40, 40), np.float32)
    blended = blend_with_difference(matte, difference, known, None, object_colour)
    assert (blended[10:30, 27:35] < 0.5).all()
    assert (blended[10:30, 5:18] >= 0.5).all()
