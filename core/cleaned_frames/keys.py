"""What a cleaned frame was rendered from, as one key per frame.

A frame's removal reads its neighbours (the keyframes at up to ±80 frames, the anchors 20 frames
apart, the flow fill's sources up to 40 frames away: ``REACH``), every content keyframe (the
nearest ones are always read), and the settings and model. Its key hashes exactly that:

- the clip, the settings the render reads, the model file (path, size, time written) and the
  device it runs on unless the method is the flow fill, and every content keyframe's pixels:
  changing any of these changes every key (on CUDA the network computes in half precision, so
  its frames differ from the CPU's by a few levels; a device that is not there makes ``auto``
  fall back to the flow fill);
- the masks of the visible objects on the frames within ``REACH``: painting frame ``k`` changes
  the keys of frames ``k - REACH .. k + REACH`` only.

Frames' mask digests are kept and only the frames an edit names are hashed again; the windows are
summed with prefix sums, so keys of a long clip cost milliseconds after an edit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from core.project import Project, ProjectEvent
from core.render import ANCHOR_STEP, KEYFRAME_OFFSETS
from core.render.model_finder import model_path, project_model

FLOW_FILL_REACH = 40  # core.fill.FlowFill's max_distance: the farthest source frame of a fill
REACH = max(KEYFRAME_OFFSETS) + ANCHOR_STEP + FLOW_FILL_REACH
KEY_FORMAT = 1  # bump when rendering changes so that older frames are never shown
_MODULUS = 1 << 128


class FrameKeys:
    """``keys[i]``: a 20-hex-digit key for frame ``i`` of ``project`` as it is now.

    chosen_model: the window's model file (File › Load removal model), None for core's default;
    the project's own tuned weights win over it, as in the render. device: the render's device
    preference (``auto``, ``cpu``, ``cuda``, ``mps``), as given to it: ``auto`` and the device it
    picks are told apart, which at worst renders a frame again."""

    def __init__(self, project: Project, chosen_model: str | Path | None = None, *, device: str = "auto") -> None:
        self.project = project
        self.chosen_model = chosen_model
        self.device = device
        self._masks = [self._mask_digest(i) for i in range(project.clip.frame_count)]
        self._content: dict[int, bytes] = {}
        self.keys: list[str] = []
        self._recompute(content=project.content_keyframes())

    def update(self, event: ProjectEvent | None = None) -> None:
        """Follow a change of the project (None: anything may have changed, e.g. the model file)."""
        kind = event.kind if event is not None else "all"
        count = self.project.clip.frame_count
        if kind == "mask" and event.frames:
            for frame in event.frames:
                if 0 <= frame < count:
                    self._masks[frame] = self._mask_digest(frame)
            self._recompute()
        elif kind == "content":
            self._recompute(content=event.frames or self.project.content_keyframes())
        elif kind == "settings":
            self._recompute()
        else:  # objects (visibility, removal), clip, a mask event without frames, or anything
            self._masks = [self._mask_digest(i) for i in range(count)]
            self._recompute(content=self.project.content_keyframes())

    def set_chosen_model(self, chosen_model: str | Path | None) -> None:
        self.chosen_model = chosen_model
        self._recompute()

    def set_device(self, device: str) -> None:
        self.device = device
        self._recompute()

    # --- helpers ---------------------------------------------------------------------------
    def _mask_digest(self, frame: int) -> int:
        h = hashlib.blake2b(frame.to_bytes(8, "little"), digest_size=16)
        for obj in self.project.objects:
            packed = self.project.packed_mask(obj.id, frame) if obj.visible else None
            if packed is not None:
                h.update(obj.id.to_bytes(8, "little"))
                h.update(packed)
        return int.from_bytes(h.digest(), "little")

    def _recompute(self, content=()) -> None:
        for frame in content:
            image = self.project.content_keyframe(frame)
            if image is None:
                self._content.pop(frame, None)
            else:
                self._content[frame] = hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=16).digest()
        whole = self._whole_clip_digest()
        prefix = [0]
        for digest in self._masks:
            prefix.append((prefix[-1] + digest) % _MODULUS)
        count = len(self._masks)
        keys = []
        for frame in range(count):
            window = (prefix[min(count, frame + REACH + 1)] - prefix[max(0, frame - REACH)]) % _MODULUS
            h = hashlib.blake2b(whole, digest_size=10)
            h.update(frame.to_bytes(8, "little"))
            h.update(window.to_bytes(16, "little"))
            keys.append(h.hexdigest())
        self.keys = keys  # one assignment: readers on other threads see the old list or the new

    def _whole_clip_digest(self) -> bytes:
        project, settings = self.project, self.project.settings
        parts = [f"format {KEY_FORMAT}", f"reach {REACH}", str(project.clip.path), str(project.clip.width),
                 str(project.clip.height), str(project.clip.frame_count), f"method {settings.removal_method}",
                 f"width {settings.working_width}", f"feather {settings.feather!r}"]
        if settings.removal_method != "flow":
            parts.append(_file_identity(model_path(project_model(project) or self.chosen_model)))
            parts.append(f"device {self.device}")
        h = hashlib.blake2b("\n".join(parts).encode(), digest_size=16)
        for frame in sorted(self._content):
            h.update(frame.to_bytes(8, "little"))
            h.update(self._content[frame])
        return h.digest()


def _file_identity(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"model {path} absent"
    return f"model {path.resolve()} {stat.st_size} {stat.st_mtime_ns}"
