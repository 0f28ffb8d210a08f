"""One object's rotoscoping results: a frame's :class:`RotoResult`, and the mappings that hold them.

:class:`RotoResult` lives here, apart from :mod:`core.roto.propagate`, so that the propagation
and the compressed store both import it and neither imports the other.

A frame's result is two ``(H, W)`` uint8 maps (mask and matte): 16 MB at 4K, 33 GB for a
2000-frame clip. A matte is mostly 0 and 255 with a soft rim, so PNG keeps it in tens of
kilobytes, and the mask is the matte thresholded (:func:`matte_to_mask`), so only the matte is kept.
:class:`CompactResults` is a ``{frame: RotoResult}`` mapping that compresses on write and
decompresses on read; :func:`core.roto.propagate_masks` and :func:`core.roto.propagate_objects`
fill one instead of a dict when asked (``compact=True``), as ``main.py roto`` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass

import cv2
import numpy as np

from core.roto.matte_ops import matte_to_mask


@dataclass(frozen=True)
class RotoResult:
    """One frame of one object.

    mask: ``(H, W)`` uint8 0/255; matte: ``(H, W)`` uint8 0..255 (soft edge, ``mask`` is
    ``matte >= 128``); confidence: 0..1, how sure the propagation is of this frame: the carried
    flow's trust over the object, times the agreement of the two keyframes' sides, times the
    decisiveness of the outline (:mod:`core.roto.certainty`; 1 on keyframes; low values are good
    places to paint another keyframe).
    """

    mask: np.ndarray
    matte: np.ndarray
    confidence: float
    is_keyframe: bool = False


def pack_matte(matte: np.ndarray) -> bytes:
    """``(H, W)`` uint8 matte → PNG bytes (fastest compression: mattes are mostly flat)."""
    ok, png = cv2.imencode(".png", np.ascontiguousarray(matte), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - OpenCV encodes any 2-D uint8 array
        raise ValueError(f"cannot compress a matte of shape {matte.shape} and type {matte.dtype}")
    return png.tobytes()


def unpack_matte(packed: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(packed, np.uint8), cv2.IMREAD_UNCHANGED)


class CompactResults(MutableMapping):
    """``{frame: RotoResult}`` of one object, each matte kept as PNG bytes (the mask derived from it)."""

    def __init__(self) -> None:
        self._packed: dict[int, tuple[bytes, float, bool]] = {}

    def __setitem__(self, frame: int, result: RotoResult) -> None:
        self._packed[frame] = (pack_matte(result.matte), result.confidence, result.is_keyframe)

    def __getitem__(self, frame: int) -> RotoResult:
        packed, confidence, is_keyframe = self._packed[frame]
        matte = unpack_matte(packed)
        return RotoResult(matte_to_mask(matte), matte, confidence, is_keyframe)

    def __delitem__(self, frame: int) -> None:
        del self._packed[frame]

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self._packed))

    def __len__(self) -> int:
        return len(self._packed)

    def nbytes(self) -> int:
        """Bytes the compressed mattes take."""
        return sum(len(packed) for packed, _, _ in self._packed.values())


class MatteView(Mapping):
    """``{frame: matte}`` of a ``{frame: RotoResult}`` mapping, read on demand."""

    def __init__(self, results: Mapping) -> None:
        self._results = results

    def __getitem__(self, frame: int) -> np.ndarray:
        return self._results[frame].matte

    def __iter__(self) -> Iterator[int]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)
