"""The re-anchoring and the clip refiner work in the box around the object only (issue 14: their
cost follows the object's size, not the frame's); what they compute there is what the whole frame
would give."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from core.flow import FlowField
from core.roto.background_cue import BackgroundCue, Keyframe
from core.roto.clip_refiner import ClipRefiner, _band, _sigmoid
from core.roto.clip_refiner_net import ClipRefinerNet, rgb_tensor
from core.roto.matte_model import PRIOR_CLAMP, prior_logit
from core.roto.object_box import grown_mask_box, scaled_box
from tests.roto_scenes import texture


def test_a_box_grows_around_the_mask_within_the_frame_and_scales_to_cover_it():
    matte = np.zeros((100, 200), np.float32)
    matte[10:20, 180:195] = 0.9
    matte[50, 50] = 0.4  # under the threshold: not the object
    assert grown_mask_box(matte, 8) == (slice(2, 28), slice(172, 200))
    assert grown_mask_box(np.zeros((10, 10), np.float32), 3) is None
    assert scaled_box((slice(2, 28), slice(172, 200)), 0.5, (100, 50), 2) == (slice(0, 16), slice(84, 100))


def _moving_object_clip(width: int = 120):
    background = texture(3, 90, width)

    def frame_of(index: int) -> np.ndarray:
        image = background.copy()
        image[30:60, 10 + 4 * index : 40 + 4 * index] = texture(4, 30, 30)
        return image

    def matte_at(index: int) -> np.ndarray:
        matte = np.zeros((90, width), np.float32)
        matte[30:60, 10 + 4 * index : 40 + 4 * index] = 1.0
        return cv2.GaussianBlur(matte, (0, 0), 1.5)

    return frame_of, matte_at


def test_the_background_difference_in_the_objects_box_is_the_whole_frames_there():
    frame_of, matte_at = _moving_object_clip()
    mattes = {i: matte_at(i) for i in range(12)}
    keyframe = Keyframe.painted(0, frame_of(0), (mattes[0] >= 0.5).astype(np.uint8) * 255)
    cue = BackgroundCue(frame_of, FlowField(frame_of, 12))
    neighbours = [10, 8, 5, 1]
    whole, whole_known = cue.difference(11, mattes, neighbours, keyframe)
    box = grown_mask_box(mattes[11], 23)
    local, local_known = cue.difference(11, mattes, neighbours, keyframe, box=box)
    assert local.shape == whole[box].shape and whole_known[box].any()
    assert np.array_equal(local_known, whole_known[box])
    assert np.allclose(local, whole[box], atol=1e-3)


def test_the_refiner_corrects_in_the_objects_box_what_the_whole_frame_would_give():
    frame_of, matte_at = _moving_object_clip(width=240)  # the box is a third of the frame
    frame, matte = frame_of(5), matte_at(5)
    matte[40:50, 45:50] = 0.2  # a dent to correct
    torch.manual_seed(0)
    net = ClipRefinerNet().eval()
    torch.nn.init.normal_(net.head.weight, std=50.0)  # an answer that is not the prior's
    refiner = ClipRefiner(net, (240, 90), (240, 90))
    with torch.no_grad():  # the whole frame through the network, in float32
        logits = net(rgb_tensor(frame[None]), torch.from_numpy(matte[None, None]))[0, 0].numpy()
    correction = (logits - prior_logit(matte)) * _band(matte)
    whole = np.clip(matte + _sigmoid(prior_logit(matte) + correction)
                    - np.clip(matte, PRIOR_CLAMP, 1 - PRIOR_CLAMP), 0, 1)
    refined = refiner.refine(frame, matte)
    assert np.abs(refined - matte).max() > 0.1  # it did correct something
    assert np.abs(refined - whole).max() < 0.02  # bf16 where the CPU has it
    assert np.array_equal(refiner.refine(frame, np.zeros_like(matte)), np.zeros_like(matte))
