"""How a fine-tuning run goes: one frozen :class:`FinetuneOptions`, checked when it is made.

``main.py finetune``, the window's Training panel and the removal eval's fine-tuning row make it
once, from their arguments or the panel's fields, and pass it unchanged to
:func:`core.train.finetune.finetune_project` and on to
:func:`core.train.finetune_residual.finetune_residual`; what the call itself decides (where the
model is written, ``progress``, ``cancel``, the reports) stays a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import SettingsError

if TYPE_CHECKING:
    from core.model import ModelConfig
    from core.train.loop import TrainOptions


@dataclass(frozen=True)
class FinetuneOptions:
    """What a fine-tuning run does, checked when it is made (a :class:`SettingsError` naming the
    option, before any frame is read).

    train: the training loop's :class:`~core.train.loop.TrainOptions` (steps, batch, lr, device...).
    init: the model file to start from; else a fresh model of ``fresh_config``; else (``resume``)
        the run saved beside the output.
    crop: training crops ``(H, W)``, pixels; frame_height: frames are scaled to this height first
        (pixels); max_pairs: frame pairs whose flow is computed (None: all; the older models only).
    """

    train: TrainOptions
    init: Path | None = None
    fresh_config: ModelConfig | None = None
    resume: bool = False
    crop: tuple[int, int] = (240, 240)
    frame_height: int = 240
    max_pairs: int | None = 1000

    def __post_init__(self) -> None:
        if self.init is None and self.fresh_config is None and not self.resume:
            raise SettingsError("Fine-tuning has nothing to start from",
                                "give the model to start from, a fresh model's config, or resume")
        crop = tuple(self.crop)
        if len(crop) != 2 or not all(_whole(c, 1) for c in crop):
            raise SettingsError(f"The fine-tuning crop {self.crop!r} is not two sizes in pixels",
                                "give (height, width), each 1 or more")
        if not _whole(self.frame_height, 1):
            raise SettingsError(f"The fine-tuning frame height {self.frame_height!r} is out of range",
                                "give a whole number of pixels, 1 or more")
        if self.max_pairs is not None and not _whole(self.max_pairs, 1):
            raise SettingsError(f"The fine-tuning frame pairs {self.max_pairs!r} are out of range",
                                "give a whole number, 1 or more, or None for all")
        object.__setattr__(self, "crop", crop)
        if self.init is not None:
            object.__setattr__(self, "init", Path(self.init))


def _whole(value, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low
