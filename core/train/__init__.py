"""Training the keyframe propagation network, self-supervised, on any footage.

A frame is hidden by a random hole and the network learns to fill it from the frame's own
context and from keyframes: other frames of the clip (with DIS flow, as at render time) and
synthetic keyframes made from the frame by known transforms. Files, in reading order:

- ``footage``: find and load clips and stills in a data folder (held-out clips excluded);
- ``hole_masks``: random strokes, boxes and object-shaped holes;
- ``synthetic_keyframe``: keyframes with an exactly known flow;
- ``pair_flows``: DIS flow between real frame pairs, computed once before training;
- ``samples``: one training sample (target, keyframes, flows) as a pure function of its index;
- ``losses``, ``schedule``: the loss terms, AdamW with warm-up and cosine decay;
- ``loop``: the training loop; ``train_state``: checkpoints and exact resume;
- ``finetune``: footage from a user's project, with the object's pixels never used as truth;
  its options (``FinetuneOptions``, made once, holding the loop's ``TrainOptions``) in ``finetune_options``.

Nothing here imports Qt.
"""

from core.train.finetune_options import FinetuneOptions
from core.train.footage import FootageClip, TrainingDataError, find_footage
from core.train.hole_masks import HoleMaskGenerator
from core.train.loop import TrainResult, TrainOptions, train
from core.train.losses import LossWeights, inpainting_loss
from core.train.pair_flows import KEYFRAME_OFFSETS, PairFlows, compute_pair_flows, frame_pairs
from core.train.samples import SampleSettings, TrainingSamples, to_network_inputs
from core.train.synthetic_keyframe import synthetic_keyframe
from core.train.train_state import curve_path, read_curve, state_path

__all__ = [
    "FootageClip", "TrainingDataError", "find_footage", "HoleMaskGenerator",
    "FinetuneOptions", "TrainResult", "TrainOptions", "train", "LossWeights", "inpainting_loss",
    "KEYFRAME_OFFSETS", "PairFlows", "compute_pair_flows", "frame_pairs",
    "SampleSettings", "TrainingSamples", "to_network_inputs", "synthetic_keyframe",
    "curve_path", "read_curve", "state_path",
]
