"""How rotoscoping runs: one frozen :class:`RotoOptions`, checked when it is made.

The options travel unchanged from the command line or the window through every layer
(:func:`core.roto.propagate_project` → :func:`~core.roto.propagated_project_results` →
:func:`~core.roto.propagate_objects` → :func:`~core.roto.propagate_masks`); what the call itself
decides (which frames, the flow cache, progress, cancel) stays a parameter. A value out of range
is a :class:`~core.errors.SettingsError` naming the option and its range, raised where the
options are made, before any work. The "auto" values (``matte_model="auto"``, ``refine_steps=None``)
are resolved once, by :meth:`RotoOptions.resolved`, at the top of the first layer called.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from core.errors import SettingsError
from core.project.document import check_working_width
from core.roto.clip_refiner_weights import pretrained_refiner_identity
from core.roto.matte_model import MatteModel, find_matte_model

STEPS_ENV = "KEYFILL_ROTO_REFINE_STEPS"
DEFAULT_STEPS = 300  # the clip refiner's training steps from random weights; 0 turns it off
PRETRAINED_STEPS = 100  # the default when it starts from pretrained weights (as good: docs/quality.md)
MAX_STEPS = 100_000  # hours of training on two CPU cores: more is a typo


def refine_steps(steps: int | None = None) -> int:
    """Training steps to use: ``steps``, else ``$KEYFILL_ROTO_REFINE_STEPS``, else the default
    (:data:`PRETRAINED_STEPS` when the refiner starts from pretrained weights, else :data:`DEFAULT_STEPS`)."""
    if steps is not None:
        return max(0, int(steps))
    value = os.environ.get(STEPS_ENV, "").strip()
    if value.isdigit():
        return max(0, int(value))
    return PRETRAINED_STEPS if pretrained_refiner_identity() is not None else DEFAULT_STEPS


@dataclass(frozen=True)
class RotoOptions:
    """What a propagation does; the defaults are the classical propagation with the clip refiner.

    working_width: pixels the optical flow runs at (64 to 8192; None: the frame's own width).
    reanchor: correct each carried matte with the frame's background difference
        (:mod:`core.roto.background_cue`); False carries along the flow only.
    edge_snap: pull propagated edges onto the frame's colour edges (guided filter). Off by
        default: it thins wheel spokes and rims away (measured in docs/quality.md).
    refine_steps: training steps of the clip refiner (:mod:`core.roto.clip_refiner`), 0 to
        100000; None: ``$KEYFILL_ROTO_REFINE_STEPS``, else 100 when it starts from pretrained
        weights (:mod:`core.roto.clip_refiner_weights`), 300 from random ones; 0: off.
    matte_model: the rotoscoping network's correction (:mod:`core.roto.matte_model`): a loaded
        :class:`~core.roto.matte_model.MatteModel`, ``"auto"`` (the shipped one when it loads) or
        None (the classical result).
    refiner_learns: train the clip refiner on the keyframes (and then on its own answers). False:
        the quick pass of a re-propagation: the frames are refined by the refiner kept from the
        last propagation of any of these keyframes, as it is
        (:func:`~core.roto.clip_refiner.kept_clip_refiner`; none kept: not refined), seconds where
        the training takes half a minute on a CPU without bfloat16 (docs/benchmarks.md).
    compact: keep the results (and the fused mattes the refiner learns from) PNG-compressed
        (:class:`~core.roto.results.CompactResults`; long clips at high resolution).
    """

    working_width: int | None = 480
    reanchor: bool = True
    edge_snap: bool = False
    refine_steps: int | None = None
    matte_model: MatteModel | str | None = None
    compact: bool = False
    refiner_learns: bool = True

    def __post_init__(self) -> None:
        if self.working_width is not None:
            check_working_width(self.working_width)
        for name in ("reanchor", "edge_snap", "compact", "refiner_learns"):
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"The rotoscoping option {name}={getattr(self, name)!r} is not True or False",
                                    f"give {name} True or False")
        steps = self.refine_steps
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS):
            raise SettingsError(f"The clip refiner's steps {steps!r} are out of range (0 to {MAX_STEPS})",
                                f"choose a whole number in that range, 0 turns the refiner off, {DEFAULT_STEPS} "
                                f"is the default ({PRETRAINED_STEPS} from pretrained weights)")
        model = self.matte_model
        if not (model is None or model == "auto" or isinstance(model, MatteModel)):
            raise SettingsError(f"The rotoscoping model {str(model)[:80]!r} is not a loaded model",
                                "give 'auto', None, or a model from core.roto.matte_model.load_matte_model")

    def resolved(self) -> RotoOptions:
        """These options with ``refine_steps`` a number and ``matte_model`` a model or None
        (``"auto"``: :func:`~core.roto.matte_model.find_matte_model`); ``self`` when they are."""
        if self.refine_steps is not None and not isinstance(self.matte_model, str):
            return self
        model = find_matte_model() if isinstance(self.matte_model, str) else self.matte_model
        return replace(self, refine_steps=refine_steps(self.refine_steps), matte_model=model)
