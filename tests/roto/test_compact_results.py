"""core.roto.results: rotoscoping results kept PNG-compressed (``compact=True``), read back
exactly as a plain dict would hold them."""

from __future__ import annotations

import cv2
import numpy as np

from core.flow import FlowField
from core.roto import RotoOptions, RotoResult, propagate_masks, propagate_objects
from core.roto.results import CompactResults, MatteView, pack_matte, unpack_matte
from tests.roto_scenes import SlidingSquares


def soft_disc(shape=(480, 854), centre=(400, 240), radius=120) -> np.ndarray:
    matte = np.zeros(shape, np.uint8)
    cv2.circle(matte, centre, radius, 255, -1)
    return cv2.GaussianBlur(matte, (0, 0), 3)  # a soft rim, as propagated mattes have


def test_compact_results_give_back_the_matte_its_mask_and_confidence_exactly():
    matte = soft_disc()
    results = CompactResults()
    results[7] = RotoResult((matte >= 128).astype(np.uint8) * 255, matte, 0.25)
    results[3] = RotoResult(np.zeros_like(matte), np.zeros_like(matte), 1.0, is_keyframe=True)
    back = results[7]
    assert np.array_equal(back.matte, matte) and np.array_equal(back.mask, (matte >= 128) * np.uint8(255))
    assert back.confidence == 0.25 and not back.is_keyframe and results[3].is_keyframe
    assert list(results) == [3, 7] and len(results) == 2
    assert results.nbytes() < matte.nbytes / 20  # a blob with a soft rim: tens of times smaller
    assert np.array_equal(MatteView(results)[7], matte)
    del results[3]
    assert list(results) == [7]


def test_a_packed_matte_keeps_only_the_box_around_its_object_and_comes_back_whole():
    matte = soft_disc(shape=(1080, 1920), centre=(1900, 20), radius=60)  # cut by the frame's corner
    packed = pack_matte(matte)
    x, y, width, height = packed.box
    assert x + width == 1920 and y == 0 and width < 100 and height < 100
    assert np.array_equal(unpack_matte(packed), matte)
    empty = pack_matte(np.zeros((1080, 1920), np.uint8))
    assert empty.png == b"" and np.array_equal(unpack_matte(empty), np.zeros((1080, 1920), np.uint8))


def scene() -> SlidingSquares:
    return SlidingSquares([(10, 20, 6, 1), (110, 60, -5, 0)], size=30, frame_count=10)


def test_compact_propagation_gives_the_masks_a_dict_gives():
    clip = scene()
    flow = FlowField(clip.frame, clip.frame_count)
    keyframes = {0: clip.mask(0), 9: clip.mask(9)}
    for steps in (0, 4):  # without the clip refiner, and with it (its fused mattes kept compressed)
        plain = propagate_masks(clip.frame, clip.frame_count, keyframes, flow=flow,
                                options=RotoOptions(refine_steps=steps))
        compact = propagate_masks(clip.frame, clip.frame_count, keyframes, flow=flow,
                                  options=RotoOptions(refine_steps=steps, compact=True))
        assert isinstance(compact, CompactResults) and list(compact) == list(plain)
        for frame, result in plain.items():
            assert np.array_equal(compact[frame].matte, result.matte)
            assert np.array_equal(compact[frame].mask, result.mask)
            assert compact[frame].is_keyframe == result.is_keyframe


def test_compact_objects_resolve_overlaps_as_plain_ones_do():
    clip = scene()
    flow = FlowField(clip.frame, clip.frame_count)
    keyframes = {1: {0: clip.mask(0, 0)}, 2: {0: clip.mask(0, 1)}}
    plain = propagate_objects(clip.frame, clip.frame_count, keyframes, flow=flow, options=RotoOptions(refine_steps=0))
    compact = propagate_objects(clip.frame, clip.frame_count, keyframes, flow=flow,
                                options=RotoOptions(refine_steps=0, compact=True))
    for object_id in (1, 2):
        assert all(np.array_equal(compact[object_id][f].mask, plain[object_id][f].mask) for f in range(10))
    overlap = [(compact[1][f].mask > 0) & (compact[2][f].mask > 0) for f in range(10)]
    assert not any(o.any() for o in overlap)
