import cv2
import numpy as np

from core.flow import warp
from core.train.synthetic_keyframe import synthetic_keyframe
from tests.train.conftest import texture


def test_known_flow_brings_the_keyframe_back_onto_the_target():
    image = cv2.GaussianBlur(texture(96, 96, 4), (5, 5), 1.5)  # resampling blurs pixel noise
    for seed in range(4):
        key = synthetic_keyframe(image, np.random.default_rng(seed))
        assert key.flow.shape == (96, 96, 2) and key.consistency.shape == (96, 96)
        valid = key.consistency > 0
        assert valid.mean() > 0.4
        back = warp(key.image, key.flow).astype(np.float32)
        # exposure may change by up to 10 %: compare after removing gain and bias
        gain, bias = np.polyfit(image[valid].ravel(), back[valid].ravel(), 1)
        error = np.abs(back[valid] - (gain * image[valid] + bias)).mean()
        assert error < 3, f"seed {seed}: pixels land {error:.1f} levels off"
        # a wrong flow (none at all) would be far worse
        assert np.abs(key.image.astype(np.float32) - image)[valid].mean() > 2 * error


def test_unknown_target_pixels_stay_unknown_in_the_keyframe():
    image = texture(64, 64, 1)
    unknown = np.zeros((64, 64), bool)
    unknown[20:40, 20:40] = True
    key = synthetic_keyframe(image, np.random.default_rng(0), unknown=unknown)
    # where the target's unknown pixels land, the keyframe is unknown too
    lands = warp(key.unknown.astype(np.uint8), key.flow, interpolation="nearest") > 0
    inside = key.consistency > 0
    assert not (inside & unknown).any(), "no flow into unknown keyframe pixels is marked valid"
    assert lands[24:36, 24:36].all()
    assert (key.image[key.unknown] == 0).all()
