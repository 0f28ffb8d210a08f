"""The clip refiners of a project kept beside it, so a reopened project's next propagation after
an edit starts from them: its quick pass refines (:func:`core.roto.clip_refiner.kept_clip_refiner`)
and its whole pass warm-starts (a third of the steps) instead of learning from the pretrained
weights again.

``clip.keyfill`` -> ``clip.keyfill-refiners/``, a folder Keyfill owns (:mod:`core.owned_folder`):
one file per refiner (its weights, about 155 KB, and the keyframes it learned from, as digests of
their pixels and masks; the examples it learned from are made again when needed), the
:data:`KEEP` most recent. A file that does not read is skipped; a folder of that name that is not
Keyfill's is left alone (the refiners then live in memory only, as for an unsaved project).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import torch

from core.errors import ModelError
from core.owned_folder import FolderNotOurs, claim_folder
from core.roto.clip_refiner import ClipRefiner, keyframe_digests
from core.roto.clip_refiner_cache import kept_refiners
from core.roto.clip_refiner_weights import read_refiner_weights, save_refiner_weights

FOLDER_SUFFIX = ".keyfill-refiners"
NOTE = "KEYFILL-REFINERS"
NOTE_TEXT = ("The clip refiners Keyfill learned from this project's keyframes (rotoscoping). Safe to "
             "delete: the next propagation learns them again.\n")
KEEP = 4  # refiner files kept per project (each object's last, and its self-trained one)

FrameGetter = Callable[[int], np.ndarray]


def refiners_folder(project_path: str | Path) -> Path:
    """Where a saved project's refiners live: ``clip.keyfill`` -> ``clip.keyfill-refiners/``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.stem + FOLDER_SUFFIX)


def restore_refiners(project_path: str | Path | None) -> int:
    """Put the refiners kept beside ``project_path`` among the process's kept refiners (the most
    recently written last), unless this process already keeps one of them (then what it keeps is
    newer than any file it lacks: an older refiner read back would become the most recent);
    returns how many were read."""
    folder = None if project_path is None else refiners_folder(project_path)
    if folder is None or not (folder / NOTE).is_file():
        return 0
    paths = sorted((p for p in folder.glob("*.pt") if p.stem.isdigit()), key=lambda p: p.stat().st_mtime_ns)
    if any(int(p.stem) in kept_refiners for p in paths):
        return 0
    read = 0
    for path in paths:
        key = int(path.stem)
        try:
            kept_refiners.put(key, _refiner_from(*read_refiner_weights(path)))
        except (ModelError, KeyError, TypeError, ValueError):  # damaged: learned again when needed
            continue
        read += 1
    return read


def keep_refiners(project_path: str | Path | None, frame_of: FrameGetter,
                  keyframes_by_object: Mapping[int, Mapping[int, np.ndarray]]) -> int:
    """Write the kept refiners that learned from any of these keyframes beside ``project_path``
    (nothing for an unsaved project or a folder that is not Keyfill's); the folder keeps the
    :data:`KEEP` most recent. Returns how many were written."""
    if project_path is None:
        return 0
    digests = set()
    for masks in keyframes_by_object.values():
        digests |= keyframe_digests(frame_of, masks)
    ours = [(key, r) for key, r in kept_refiners.items() if r.keyframes & digests][-KEEP:]
    if not ours:
        return 0
    folder = refiners_folder(project_path)
    try:
        claim_folder(folder, NOTE, NOTE_TEXT, "clip refiners")
        written = 0
        for key, refiner in ours:
            path = folder / f"{key}.pt"
            if not path.is_file():
                save_refiner_weights(path, refiner.net, extra=_record_of(refiner))
                written += 1
            path.touch()  # the most recent last
        for old in sorted(folder.glob("*.pt"), key=lambda p: p.stat().st_mtime_ns)[:-KEEP]:
            old.unlink()
    except (FolderNotOurs, OSError):
        return 0
    return written


def _record_of(refiner: ClipRefiner) -> dict:
    """What a refiner's file holds besides its weights (:func:`save_refiner_weights`'s extra)."""
    return {"frame_size": list(refiner.frame_size), "working_size": list(refiner.working_size),
            "keyframes": sorted([int(f), int(d)] for f, d in refiner.keyframes), "steps": refiner.steps}


def _refiner_from(net, record: dict) -> ClipRefiner:
    return ClipRefiner(net.to(memory_format=torch.channels_last), tuple(record["frame_size"]),
                       tuple(record["working_size"]), frozenset((f, d) for f, d in record["keyframes"]),
                       int(record["steps"]))
