"""The trained weights Keyfill loads, in one registry: where each checkpoint is, how it is
checked, one loader and one cache.

An entry (:class:`Weights`) names a kind of checkpoint: the file in the installation, the
environment variable that points elsewhere (a setting for the window and render farms), the task
its network must have been built for (``verify``) and what to tell the user when it is missing or
built for another task. Where a checkpoint is looked for, first match wins: the ``path`` argument
(``--model``, a project's own fine-tuned weights), the environment variable, the installed file.

:func:`load_weights` reads a checkpoint once per (entry, file, modification time, size, device):
the renderers and propagations created one after another share one model, and a rewritten file
is read again. Torch-free to import (the window imports it on its UI thread, through the model
finders); torch is imported when a checkpoint is really read.

The clip refiner (:mod:`core.roto.clip_refiner`) learns from each clip's keyframes; its entry
(:data:`CLIP_REFINER`) names the weights pretrained on many clips (``main.py train-refiner``) that
every clip's training starts from when they are there. Its network is not the paper's, so its
loader passes the reader of its own file format (``load_weights(..., read=...)``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from core.errors import ModelError
from core.lru import LRUCache

if TYPE_CHECKING:
    from core.model.config import ModelConfig

MODELS_FOLDER = Path(__file__).resolve().parents[2] / "resources" / "models"

T = TypeVar("T")


@dataclass(frozen=True)
class Weights:
    """One kind of checkpoint.

    kind: what the user calls it ("removal" model); file: the installed checkpoint; env: the
    environment variable that overrides it; verify(config): why a network of that
    :class:`~core.model.config.ModelConfig` (the loaded model's ``config``) cannot do this task
    ("it takes 1 channels and gives 3"), or None when it can; missing_fix, wrong_task_fix: the
    second half of the messages.
    """

    kind: str
    file: Path
    env: str
    verify: Callable[[ModelConfig], str | None]
    missing_fix: str
    wrong_task_fix: str

    def path(self, path: str | os.PathLike | None = None) -> Path:
        """Where the checkpoint is looked for: ``path``, else ``$env``, else ``file``."""
        if path:
            return Path(path)
        env = os.environ.get(self.env)
        return Path(env) if env else self.file

    def missing(self, path: Path) -> str:
        return f"No {self.kind} model at {path}; {self.missing_fix}."

    def wrong_task(self, path: Path, reason: str) -> str:
        return f"{path} is not a {self.kind} model ({reason}); {self.wrong_task_fix}."


def _removal_problem(config: ModelConfig) -> str | None:
    # RGB + mask in, RGB out; or a correction of the flow fill (ModelConfig checks its inputs)
    if (config.in_channels, config.out_channels) == (4, 3) or \
            (config.output, config.out_channels) == ("residual_rgb", 3):
        return None
    return f"it takes {config.in_channels} channels and gives {config.out_channels}"


def _rotoscoping_problem(config: ModelConfig) -> str | None:
    # RGB + the carried prior matte in, a logit correction of the prior out
    if config.output == "mask_logits" and config.in_channels == 4:
        return None
    return f"it gives {config.output}"


REMOVAL = Weights(
    kind="removal", file=MODELS_FOLDER / "keyfill-base.pt", env="KEYFILL_MODEL", verify=_removal_problem,
    missing_fix="train one first, or pass --model PATH (or set KEYFILL_MODEL)",
    wrong_task_fix="pass a checkpoint trained for removal",
)
"""The removal network (:mod:`core.render`): ``--model``, ``$KEYFILL_MODEL``, keyfill-base.pt."""

ROTOSCOPING = Weights(
    kind="rotoscoping", file=MODELS_FOLDER / "keyfill-roto.pt", env="KEYFILL_ROTO_MODEL",
    verify=_rotoscoping_problem,
    missing_fix="train one with `main.py train-roto`, or pass its path (or set KEYFILL_ROTO_MODEL)",
    wrong_task_fix="pass a checkpoint trained with `main.py train-roto`",
)
"""The rotoscoping network's matte correction (:mod:`core.roto.matte_model`)."""

def _clip_refiner_problem(config) -> str | None:
    # the clip refiner's own small network (core.roto.clip_refiner_net): its config is a dict
    if isinstance(config, dict) and config.get("output") == "mask_logits" and config.get("in_channels") == 4:
        return None
    return "it is not a clip refiner's network"


CLIP_REFINER = Weights(
    kind="clip refiner", file=MODELS_FOLDER / "keyfill-refiner.pt", env="KEYFILL_REFINER_MODEL",
    verify=_clip_refiner_problem,
    missing_fix="train one with `main.py train-refiner`, or set KEYFILL_REFINER_MODEL to its path (none: "
                "train each clip's refiner from scratch)",
    wrong_task_fix="pass a checkpoint written by `main.py train-refiner`",
)
"""The clip refiner's pretrained starting weights (:mod:`core.roto.clip_refiner_weights`)."""

WEIGHTS = {entry.kind: entry for entry in (REMOVAL, ROTOSCOPING, CLIP_REFINER)}


@dataclass
class LoadedWeights:
    """A loaded network: ``model`` (``KeyframePropagationNet`` in eval mode) on ``device``
    (``torch.device``), read from ``path``; ``extra`` is the checkpoint's training record."""

    model: Any
    device: Any
    path: Path | None
    extra: dict = field(default_factory=dict)


def load_weights(weights: Weights, path: str | os.PathLike | None = None, *, device: str = "auto",
                 wrap: Callable[[LoadedWeights], T] | None = None,
                 read: Callable[[Path, Any], tuple[Any, dict]] | None = None) -> T | LoadedWeights:
    """The network of ``weights`` (looked for as :meth:`Weights.path` says) on ``device``
    (``auto``, ``cpu``, ``cuda``, ``mps``: :func:`core.model.device.pick_device`), as
    ``wrap(loaded)`` when given (one wrapper per entry: the wrapped object is what is kept).
    ``read(path, device) -> (model, extra)`` reads a file of another format than Keyfill's model
    checkpoint (:func:`core.model.checkpoint.load_checkpoint`, the default); the model it gives
    has a ``config`` for the entry's ``verify``.

    Raises :class:`ModelError` for a missing, corrupt or foreign checkpoint, one built for another
    task, or an unavailable device.
    """
    from core.model.device import pick_device  # torch: only once a model is really loaded

    resolved = weights.path(path)
    torch_device = pick_device(device)

    def checked(model, extra) -> T | LoadedWeights:
        problem = weights.verify(model.config)
        if problem is not None:
            raise ModelError(weights.wrong_task(resolved, problem))
        loaded = LoadedWeights(model, torch_device, resolved, extra)
        return wrap(loaded) if wrap is not None else loaded

    return _cache.load(weights.kind, resolved, torch_device, weights.missing(resolved), checked, read)


def forget_loaded_weights() -> None:
    """Drop the kept models (frees their memory; the next load reads the file again)."""
    _cache.clear()


class _CheckpointCache:
    """Loaded models kept per (entry, file, modification time, size, device), the ``keep`` most
    recently used of each entry. Thread-safe (two threads loading the same new file may both read it)."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._items: dict[str, LRUCache[tuple, Any]] = {}

    def load(self, kind: str, path: Path, device, missing: str, make: Callable[[Any, dict[str, Any]], T],
             read: Callable[[Path, Any], tuple[Any, dict]] | None = None) -> T:
        """``make(model, extra)`` of the checkpoint at ``path`` on ``device`` (read by ``read``, or
        as a Keyfill model checkpoint), from the cache when the file is unchanged.
        ``ModelError(missing)`` when there is no file; ``make`` may raise ``ModelError`` too (a
        model built for another task)."""
        try:
            stat = path.stat()
        except OSError:
            raise ModelError(missing) from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, str(device))
        return self._items.setdefault(kind, LRUCache(self.keep)).made(key, lambda: _loaded(path, device, make, read))

    def clear(self) -> None:
        self._items.clear()


def _loaded(path: Path, device, make: Callable[[Any, dict[str, Any]], T],
            read: Callable[[Path, Any], tuple[Any, dict]] | None) -> T:
    from core.model.checkpoint import load_checkpoint

    model, extra = (read or load_checkpoint)(path, device)
    return make(model, extra)


_cache = _CheckpointCache(keep=2)
