"""A trained model made deeper without forgetting what it learned: more FFC residual blocks in each
intra-frame block's LIF stream (``ModelConfig.lif_res_blocks_per_block``), the new ones starting
as (almost) the identity, so the grown model fills as the trained one did and training goes on
from there (issue 13: the shipped model's loss stopped falling at its size).

A new block's output is ``x + relu(norm(...))``; its last two norms start with a scale of
``NEW_BLOCK_SCALE`` and no shift, so it adds almost nothing. Not exactly zero: ReLU's gradient at
zero is zero, and a scale of exactly 0 would never learn.
"""

from __future__ import annotations

from torch import nn

from .network import KeyframePropagationNet

NEW_BLOCK_SCALE = 1e-3


def deepened(model: KeyframePropagationNet, lif_res_blocks: int) -> KeyframePropagationNet:
    """A copy of ``model`` with ``lif_res_blocks`` residual blocks per intra-frame block (at least
    its own); the trained blocks keep their weights, the added ones start near the identity."""
    old = model.config.lif_res_blocks_per_block
    if lif_res_blocks < old:
        raise ValueError(f"the model already has {old} residual blocks per intra-frame block; "
                         f"cannot make it {lif_res_blocks}")
    grown = KeyframePropagationNet(model.config.replace(lif_res_blocks_per_block=lif_res_blocks))
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    if unexpected:
        raise ValueError(f"weights that do not fit the deeper model: {unexpected[:3]}")
    added = {name.rsplit(".", 1)[0] for name in missing}
    for name, module in grown.named_modules():
        if name in added and name.endswith(("ffc2.norm_local", "ffc2.norm_global")):
            nn.init.constant_(module.weight, NEW_BLOCK_SCALE)
            nn.init.zeros_(module.bias)
    grown.to(next(model.parameters()).dtype)
    return grown


def with_candidate_inputs(model: KeyframePropagationNet, candidates: int, *,
                          blend: bool = False) -> KeyframePropagationNet:
    """A copy of a ``residual_rgb`` ``model`` that also reads the flow fill's ``candidates``
    candidates (4 input channels each, ``core.model.inputs``), and with ``blend`` weighs them
    (``ModelConfig.candidate_blend``). The first convolution's weights for the new channels and
    the decoder's for the new weights start at zero, so the grown model fills exactly as
    ``model`` did until training teaches it to use them."""
    config = model.config
    if config.output != "residual_rgb":
        raise ValueError("only a model that corrects the flow fill (residual_rgb) reads its candidates")
    if candidates < config.candidate_inputs or (config.candidate_blend and not blend) or \
            (config.candidate_inputs and candidates != config.candidate_inputs):
        raise ValueError(f"the model already reads {config.candidate_inputs} candidates"
                         f"{' and weighs them' if config.candidate_blend else ''}; "
                         f"cannot make it {candidates}{' weighed' if blend else ''}")
    grown = KeyframePropagationNet(config.with_candidates(candidates, blend=blend))
    state = grown.state_dict()
    for name, value in model.state_dict().items():
        target = state[name]
        if value.shape == target.shape:
            target.copy_(value)
        elif value.dim() == target.dim() and all(a <= b for a, b in zip(value.shape, target.shape)):
            # the first convolution (more inputs) or the decoder's last (more outputs): the
            # trained weights in their place, the new ones 0
            target.zero_()
            target[tuple(slice(0, n) for n in value.shape)] = value
        else:
            raise ValueError(f"weights that do not fit the model with candidates: {name}")
    grown.load_state_dict(state)
    grown.to(next(model.parameters()).dtype)
    return grown
