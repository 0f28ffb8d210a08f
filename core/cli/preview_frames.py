"""``main.py render`` and ``export`` of a saved project keep the frames they render for the
window's preview, as the window's own export does: in the project's store
(``<stem>.keyfill-frames/``, :mod:`core.cleaned_frames`), under the keys the window computes for
the same masks, settings, model and device. Opening the project afterwards plays them without
rendering them again.

``main.py remove CLIP --masks`` keeps nothing: its project exists only inside the command, so no
window could ever open it and read the frames back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from core.cleaned_frames import FolderNotOurs, FrameKeys, FrameStore, frames_folder
from core.project_snapshot import snapshot
from core.render import RemovalOptions

Put = Callable[[int, np.ndarray], None]


class PreviewFrames:
    """``put(index, frame)`` into the store beside the saved project; ``folder``: where."""

    def __init__(self, store: FrameStore, keys: list[str]) -> None:
        self.store, self.keys = store, keys
        self.folder = store.folder
        self.count = 0

    def put(self, index: int, frame: np.ndarray) -> None:
        self.store.put(index, self.keys[index], frame)
        self.count += 1

    def put_files(self, folder: Path, frames: range, notice: Callable[[str], None]) -> None:
        """The PNGs ``folder/000040.png`` ... a farm rendered (read back: the farm's workers may
        not see the project's folder)."""
        import cv2

        for index in frames:
            image = cv2.imread(str(folder / f"{index:06d}.png"), cv2.IMREAD_COLOR)
            if image is None:
                continue
            try:
                self.put(index, np.ascontiguousarray(image[:, :, ::-1]))
            except OSError as exc:
                notice(f"The rendered frames are not kept for the preview ({exc}).")
                return

    def report(self) -> str:
        return f"kept {self.count} frames for the window's preview in {self.folder}"


def preview_frames(project, options: RemovalOptions, *, notice: Callable[[str], None]) -> PreviewFrames | None:
    """The store beside ``project`` (saved: ``project.path`` set) with its frames' keys for this
    render (``options``: the removal's), or None: an unsaved project; a render the window never
    makes (``--prealign``); a folder of that name that is not Keyfill's or cannot be written (said
    through ``notice``)."""
    if project.path is None or options.prealign:
        return None
    keyed = snapshot(project)  # the keys of what this render reads, the command's options applied
    keyed.update_settings(removal_method=options.for_project(project).method,
                          removal_model=str(options.model_path) if options.model_path else "")
    folder = frames_folder(project.path)
    try:
        store = FrameStore(folder)
    except (FolderNotOurs, OSError) as exc:
        notice(f"The rendered frames are not kept for the window's preview ({exc}).")
        return None
    return PreviewFrames(store, FrameKeys(keyed, device=options.device).keys)
