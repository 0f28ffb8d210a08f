"""The clip refiner's pretrained weights: the file ``main.py train-refiner`` writes
(:mod:`core.roto.clip_refiner_pretraining`) and the network every clip's refiner starts from.

As OSVOS starts each video's network from a parent network trained on many videos, a clip's
refiner (:func:`core.roto.clip_refiner.train_clip_refiner`) starts from weights pretrained on
clips with a true mask on every frame, when they are there, instead of from random weights.
Where they are looked for is the weights registry's entry :data:`core.model.weights.CLIP_REFINER`
(``$KEYFILL_REFINER_MODEL``, else ``resources/models/keyfill-refiner.pt``); ``KEYFILL_REFINER_MODEL=none``
turns them off. Without the installed file each refiner trains from scratch, as before.

The file has the layout of Keyfill's model checkpoints and is written and read by the same
functions (:func:`core.model.checkpoint.write_saved`, :func:`~core.model.checkpoint.load_saved`:
format and version check, weights fitting their network); it holds only plain types (read with
``weights_only``)::

    {"format": "keyfill-clip-refiner", "version": 1, "config": ClipRefinerNet.config,
     "state_dict": {...}, "extra": {...}}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.model.checkpoint import load_saved, write_saved
from core.model.weights import CLIP_REFINER, load_weights
from core.roto.clip_refiner_net import ClipRefinerNet

FORMAT = "keyfill-clip-refiner"
VERSION = 1
OFF = ("none", "off")  # $KEYFILL_REFINER_MODEL values that turn the pretrained weights off


def pretrained_refiner(path: str | os.PathLike | None = None) -> ClipRefinerNet | None:
    """The network a clip's refiner starts from: the weights at ``path``, else at
    ``$KEYFILL_REFINER_MODEL``, else the installed ones; None when the variable says ``none`` or
    nothing is installed (each refiner then trains from scratch).

    Read once per file (the registry's cache); the network returned is shared, so copy its
    weights rather than train it. Raises :class:`ModelError` for a file named by ``path`` or the
    variable that is missing, corrupt or not a clip refiner's.
    """
    named = os.environ.get(CLIP_REFINER.env, "").strip()
    if path is None and named.lower() in OFF:
        return None
    if path is None and not named and not CLIP_REFINER.file.is_file():
        return None
    return load_weights(CLIP_REFINER, path, device="cpu", read=read_refiner_weights).model


def pretrained_refiner_identity() -> tuple | None:
    """Which pretrained weights a refiner would start from now (the file's path, modification time
    and size; None for none), without reading them: part of what propagated masks depend on."""
    named = os.environ.get(CLIP_REFINER.env, "").strip()
    if named.lower() in OFF:
        return None
    path = CLIP_REFINER.path()
    try:
        stat = path.stat()
    except OSError:
        return None if not named else (str(path),)
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def save_refiner_weights(path: str | os.PathLike, net: ClipRefinerNet, *, extra: dict[str, Any] | None = None
                         ) -> Path:
    """Write ``net``'s weights and ``extra`` (plain types: the training record) to ``path`` atomically."""
    return write_saved(path, FORMAT, VERSION, config=dict(net.config),
                       state_dict={k: v.detach().cpu().clone() for k, v in net.state_dict().items()},
                       extra=extra or {})


def read_refiner_weights(path: Path, device: Any = "cpu") -> tuple[ClipRefinerNet, dict[str, Any]]:
    """``(network in eval mode on device, extra)`` of a file :func:`save_refiner_weights` wrote;
    :class:`ModelError` for a missing, corrupt or foreign file, or one from a newer Keyfill."""
    return load_saved(
        Path(path), FORMAT, VERSION, _network_for, device,
        missing=f"No clip refiner weights at {path}; {CLIP_REFINER.missing_fix}.",
        corrupt=f"The clip refiner weights {path} are corrupt ({{error}}); train them again with "
        "`main.py train-refiner`.",
        foreign=f"{path} is not a clip refiner's weights file; {CLIP_REFINER.wrong_task_fix}.",
        newer=f"The clip refiner weights {path} have format version {{version}}, newer than this Keyfill "
        f"supports ({VERSION}); update Keyfill.",
        mismatch=f"The clip refiner weights {path} do not fit this Keyfill's refiner ({{error}}); train them "
        "again with `main.py train-refiner`.")


def _network_for(payload: dict[str, Any]) -> ClipRefinerNet:
    """The (untrained) network of the saved ``config``; a bad one fails here or on its weights."""
    config = payload.get("config") if isinstance(payload.get("config"), dict) else {}
    return ClipRefinerNet(int(config.get("channels", 0)))
