"""Per-frame binary masks of one object, stored bit-packed.

A 1080p mask is 2 MB as uint8 but 260 kB packed, so a 1000-frame clip with a mask on every frame
stays around 260 MB instead of 2 GB; unpacking one frame takes well under a millisecond.
"""

from __future__ import annotations

import enum
import threading

import numpy as np

from core.errors import MaskError


class MaskKind(str, enum.Enum):
    """Where a frame's mask came from. Propagated masks never overwrite keyframes."""

    KEYFRAME = "keyframe"  # painted or imported by the user
    PROPAGATED = "propagated"  # computed from keyframes by rotoscoping


class MaskTrack:
    """Masks of one object for the frames that have one: ``frame -> (H, W) uint8 0/255``."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self._packed: dict[int, bytes] = {}
        self._kinds: dict[int, MaskKind] = {}
        self._lock = threading.Lock()

    def get(self, frame: int) -> np.ndarray | None:
        """The mask of ``frame`` as ``(H, W)`` uint8 0/255, or None when the frame has none."""
        with self._lock:
            packed = self._packed.get(frame)
        if packed is None:
            return None
        bits = np.unpackbits(np.frombuffer(packed, np.uint8), count=self.width * self.height)
        return (bits.reshape(self.height, self.width) * np.uint8(255)).astype(np.uint8)

    def packed(self, frame: int) -> bytes | None:
        """The mask of ``frame`` as stored (``np.packbits`` of ``mask > 0``), or None."""
        with self._lock:
            return self._packed.get(frame)

    def kind(self, frame: int) -> MaskKind | None:
        with self._lock:
            return self._kinds.get(frame)

    def set(self, frame: int, mask: np.ndarray, kind: MaskKind) -> None:
        """Store ``mask`` (``(H, W)``, any dtype; nonzero = object) for ``frame``."""
        self.set_packed(frame, self.pack(mask), kind)

    def pack(self, mask: np.ndarray) -> bytes:
        """``mask`` (``(H, W)``, any dtype; nonzero = object) as this track stores it."""
        if mask.ndim != 2 or mask.shape != (self.height, self.width):
            raise MaskError(
                f"A mask of size {_size(mask)} does not fit this clip ({self.width}x{self.height}); "
                "resize it to the clip's size."
            )
        return np.packbits(np.asarray(mask) > 0).tobytes()

    def set_packed(self, frame: int, packed: bytes, kind: MaskKind) -> None:
        """Store a mask made by :meth:`pack`; one ``bytes`` may serve many frames (it is immutable)."""
        if len(packed) != (self.width * self.height + 7) // 8:
            raise ValueError(f"packed mask of {len(packed)} bytes for a {self.width}x{self.height} track")
        with self._lock:
            self._packed[frame] = packed
            self._kinds[frame] = MaskKind(kind)

    def remove(self, frame: int) -> None:
        with self._lock:
            self._packed.pop(frame, None)
            self._kinds.pop(frame, None)

    def frames(self, kind: MaskKind | None = None) -> list[int]:
        """Sorted frames that have a mask (of ``kind`` when given)."""
        with self._lock:
            return sorted(f for f, k in self._kinds.items() if kind is None or k == kind)

    def __len__(self) -> int:
        return len(self._packed)


def _size(mask: np.ndarray) -> str:
    return f"{mask.shape[1]}x{mask.shape[0]}" if mask.ndim >= 2 else str(mask.shape)
