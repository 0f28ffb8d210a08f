"""The removal renderer the window uses for single frames, bound to a reader of its own thread.

Kept behind :class:`ClipRenderer`'s two methods (``render_frame``, ``invalidate``) so the network
renderer can replace the classical flow fill without the preview changing.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from app.workers.frames import open_reader
from core.project import Project
from core.render.removal import removal_sources


class ClipRenderer:
    """Cleaned frames of ``project`` one at a time (``core.fill.FlowFill``); not thread-safe."""

    def __init__(self, project: Project, opener: Callable = open_reader) -> None:
        from core.flow import FlowField

        self._project = project
        self.reader = opener(project.clip.path)
        self._frames, self._masks = removal_sources(project, self.reader.frame)
        count = project.clip.frame_count
        self._flow = FlowField(self._frames, count, working_width=project.settings.working_width)
        self._fill = None

    def render_frame(self, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB: the hand-fixed frame, the source where nothing is masked, or the fill."""
        fixed = self._project.content_keyframe(index)
        if fixed is not None:
            return fixed
        if not self._masks(index).any():
            return self.reader.frame(index)
        if self._fill is None:
            from core.fill import FlowFill

            self._fill = FlowFill(self._frames, self._masks, self._project.clip.frame_count, flow=self._flow)
        return self._fill.fill_frame(index)

    def invalidate(self) -> None:
        """Masks changed: the fill keeps per-mask caches, the flows stay valid."""
        self._fill = None

    def close(self) -> None:
        self.reader.close()
