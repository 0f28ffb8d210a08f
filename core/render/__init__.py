"""Rendering the removal: which fill runs (the network or the classical flow fill) for which frames.

Imports flow one way, from the project's sources to the clip (tests/test_import_layers.py):
``sources`` (the frames and holes a removal reads, the every-frame-has-a-mask check) ->
``removal_inputs`` (them cached, on two grids) -> ``network_renderer`` / ``segment_propagation``
-> ``network_clip_renderer``; ``options`` (the method list, ``RemovalOptions``) -> ``methods``
(the choice of a fill) and those renderers -> ``removal`` (the clip) and ``removal_renderer``
(single frames).

- ``RemovalOptions``: what a removal does (method, checkpoint, device, "+prealign"), checked once;
- ``removed_frames(project, frame_of, options)``: the cleaned clip (or a range of it);
- ``FrameRenderer``: what every single-frame renderer is (``render_frame``, ``invalidate``,
  ``close``); ``FlowFillRenderer``: the classical flow fill as one;
- ``RemovalRenderer``: single frames as the exported clip will have them (for a preview);
- ``NetworkRenderer``: one frame by the network from its keyframes; ``NetworkClipRenderer``: the
  whole clip the paper's way (every 20th frame by the network, the rest along flow), chunk by
  chunk, or every frame from its own flow fill for a model that corrects it;
- ``load_removal_model`` / ``find_removal_model``: the checkpoint, or why it is not used.
"""

from core.render.frame_renderer import FlowFillRenderer, FrameRenderer
from core.render.keyframe_schedule import (ANCHOR_STEP, KEYFRAME_OFFSETS, anchor_frames, chunks,
                                           keyframes_for, parse_frame_range)
from core.render.model_finder import (DEFAULT_MODEL_PATH, MODEL_ENV, RemovalModel, find_removal_model,
                                      load_removal_model)
from core.render.methods import REMOVAL_METHODS, choose_fill
from core.render.network_clip_renderer import NetworkClipRenderer
from core.render.network_renderer import NetworkRenderer
from core.render.options import RemovalOptions
from core.render.removal import removed_frames
from core.render.removal_inputs import RemovalInputs
from core.render.removal_renderer import RemovalRenderer
from core.render.sources import check_every_frame_has_a_mask, removal_sources

__all__ = [
    "ANCHOR_STEP", "DEFAULT_MODEL_PATH", "FlowFillRenderer", "FrameRenderer", "KEYFRAME_OFFSETS",
    "MODEL_ENV", "NetworkClipRenderer", "NetworkRenderer",
    "REMOVAL_METHODS", "RemovalInputs", "RemovalModel", "RemovalOptions", "RemovalRenderer", "anchor_frames",
    "check_every_frame_has_a_mask", "choose_fill", "chunks", "find_removal_model", "keyframes_for",
    "load_removal_model", "parse_frame_range", "removal_sources", "removed_frames",
]
