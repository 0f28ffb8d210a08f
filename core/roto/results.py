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


@dataclass(frozen=True)
class PackedMatte:
    """A matte compressed: the PNG of the box around its nonzero pixels (``b""`` when it has none)."""

    shape: tuple[int, int]  # (H, W) of the whole matte
    box: tuple[int, int, int, int]  # (x, y, width, height) of its nonzero pixels
    png: bytes

    @property
    def nbytes(self) -> int:
        return len(self.png)


def pack_matte(matte: np.ndarray) -> PackedMatte:
    """``(H, W)`` uint8 matte → :class:`PackedMatte`. Only the box around the object is encoded,
    with the fastest compression (mattes are mostly flat): a 1080p matte packs in a fraction of a
    millisecond instead of 14 when its object covers a few percent of the frame (docs/benchmarks.md)."""
    matte = np.ascontiguousarray(matte)
    x, y, width, height = cv2.boundingRect(matte)
    if width == 0 or height == 0:
        return PackedMatte(matte.shape, (0, 0, 0, 0), b"")
    ok, png = cv2.imencode(".png", matte[y:y + height, x:x + width], [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - OpenCV encodes any 2-D uint8 array
        raise ValueError(f"cannot compress a matte of shape {matte.shape} and type {matte.dtype}")
    return PackedMatte(matte.shape, (x, y, width, height), png.tobytes())


def unpack_matte(packed: PackedMatte) -> np.ndarray:
    matte = np.zeros(packed.shape, np.uint8)
    if packed.png:
        x, y, width, height = packed.box
        matte[y:y + height, x:x + width] = cv2.imdecode(np.frombuffer(packed.png, np.uint8), cv2.IMREAD_UNCHANGED)
    return matte


class CompactResults(MutableMapping):
    """``{frame: RotoResult}`` of one object, each matte kept packed (:func:`pack_matte`; the mask derived from it)."""

    def __init__(self) -> None:
        self._packed: dict[int, tuple[PackedMatte, float, bool]] = {}

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
        return sum(packed.nbytes for packed, _, _ in self._packed.values())


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
