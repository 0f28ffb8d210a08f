"""Decoding clips and image sequences: probing, random access, a frame cache, thumbnails.

``probe(path)`` describes a clip; ``open_clip(path)`` reads its frames as ``(H, W, 3)`` uint8 RGB.
"""

from core.video.clip_info import AudioStreamInfo, ClipInfo, probe
from core.video.clip_reader import ClipReader, open_clip

__all__ = ["AudioStreamInfo", "ClipInfo", "ClipReader", "open_clip", "probe"]
