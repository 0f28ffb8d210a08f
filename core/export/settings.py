"""What an export writes: the video codec, its quality, whether the source audio comes along.

Two codecs, chosen for editors:

- ``"h264"``: libx264 in ``.mp4`` (or ``.mov`` / ``.mkv``), ``quality`` is the CRF (0..51, lower is
  better, 18 is visually transparent for most footage). ``quality=0`` means *lossless*: x264 with
  ``qp=0`` and full-resolution chroma (yuv444p), for a master to grade or re-encode later.
- ``"prores"``: ProRes 422 HQ (FFmpeg's ``prores_ks``, profile 3, yuv422p10le) in ``.mov``, the
  usual intermediate for Premiere / Resolve / Final Cut. ``quality`` is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import ExportError

CODECS = ("h264", "prores")
"""The codecs :class:`ExportSettings` accepts."""

CONTAINER_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
"""Destination suffix -> FFmpeg muxer name (passed explicitly: the temp file ends in ``.part``)."""

_SUFFIXES_FOR_CODEC = {"h264": (".mp4", ".m4v", ".mov", ".mkv"), "prores": (".mov",)}

MAX_CRF = 51


@dataclass(frozen=True)
class ExportSettings:
    """How :func:`core.export.export_clip` encodes the cleaned clip.

    ``codec``: ``"h264"`` or ``"prores"``. ``quality``: H.264 CRF 0..51 (lower is better, 0 is
    lossless); ignored for ProRes, which is always 422 HQ. ``keep_audio``: copy the source's audio
    streams into the export.
    """

    codec: str = "h264"
    quality: int = 18
    keep_audio: bool = True

    def __post_init__(self) -> None:
        if self.codec not in CODECS:
            raise ExportError(
                f"Unknown export codec {self.codec!r}; choose one of: {', '.join(CODECS)}."
            )
        if isinstance(self.quality, bool) or not isinstance(self.quality, int) \
                or not 0 <= self.quality <= MAX_CRF:
            raise ExportError(
                f"Export quality {self.quality!r} is out of range; use a whole number from "
                f"0 (lossless) to {MAX_CRF} (smallest), 18 is a good default."
            )

    @property
    def is_lossless(self) -> bool:
        """True for H.264 at ``quality=0`` (x264 ``qp=0``, yuv444p)."""
        return self.codec == "h264" and self.quality == 0


def container_format_for(dest: Path, settings: ExportSettings) -> str:
    """FFmpeg muxer name for ``dest``; :class:`ExportError` if the suffix does not fit the codec."""
    suffix = dest.suffix.lower()
    allowed = _SUFFIXES_FOR_CODEC[settings.codec]
    if suffix not in allowed:
        raise ExportError(
            f"Cannot write {settings.codec} video to {dest.name!r}; "
            f"give the destination one of these extensions: {', '.join(allowed)}."
        )
    return CONTAINER_FORMATS[suffix]
