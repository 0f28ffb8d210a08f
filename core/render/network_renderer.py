"""One frame of the removal on demand, by the keyframe propagation network.

For target frame ``t`` (:mod:`core.render.keyframe_schedule`): the keyframes at offsets
``±{5, 10, 15, 20, 40, 60, 80}`` and the nearest content keyframes, each masked with its own hole
(content keyframes are fully known); the completed flows ``t -> keyframe`` and their consistency
(:class:`RemovalInputs`); optionally "+prealign" (:mod:`core.render.prealign`). The network runs
on the working grid (it pads to its stride itself), a model that corrects the flow fill on a
window around the hole (:mod:`core.render.network_window`); its output is upsampled and
composited into the full-resolution frame inside the feathered hole only.

Keyframes never depend on the target, so each keyframe's encoding (``KeyframeMemory``) is kept
and reused by every target that reads it. On CUDA the network runs in mixed precision; when CUDA
runs out of memory the renderer retries at a lower resolution, then on the CPU, with a notice.

torch and :mod:`core.model` are imported inside the methods that run the network, the only
imports not at the top: the window imports ``core.render`` on its UI thread, and loading torch
there would freeze it for seconds (tests/test_import_layers.py allows exactly these).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

import cv2
import numpy as np

from core.errors import ModelError
from core.fill import FlowFill, Prealigned
from core.lru import LRUCache
from core.project import Project
from core.render.composite import feathered_composite, upsample, upsample_float
from core.render.keyframe_schedule import CORRECTION_OFFSETS, KEYFRAME_OFFSETS, keyframes_for
from core.render.model_finder import Notice, RemovalModel, log_notice
from core.render.network_window import network_window
from core.render.prealign import AlignedSource
from core.render.prealign import prealign as prealign_pixels
from core.render.removal_inputs import RemovalInputs

_SCALE_STEP = 0.75  # working resolution factor per out-of-memory retry
_MIN_SCALE = 0.4


@dataclass(frozen=True)
class KeyframeSource:
    """A frame the network reads, on the working grid: ``index`` (its frame in the clip, for the
    flow), ``rgb`` ``(h, w, 3)`` uint8, ``hole`` ``(h, w)`` bool (all False when fully known) and
    ``key``, which names its encoding in the cache (equal keys = equal inputs)."""

    index: int
    rgb: np.ndarray
    hole: np.ndarray
    key: Hashable


@dataclass(frozen=True)
class NetworkFrameStats:
    """How one frame was rendered: keyframes read, share 0..1 of the working hole filled by
    prealignment, keyframes encoded for it (the rest came from the cache), seconds."""

    keyframes: int
    prealigned: float
    encoded: int
    seconds: float


class NetworkRenderer:
    """The removal of single frames by the network; not thread-safe (one per worker).

    model: a loaded :class:`RemovalModel` (or a bare ``KeyframePropagationNet``, run on the device
    of its parameters). inputs: share the project's :class:`RemovalInputs` with other renderers.
    prealign: fuse reliable flow-carried keyframe pixels into the hole before the network.
    offsets: keyframe offsets in frames (default: the paper's 14 keyframes, or ±10 for a model
    that corrects the flow fill, as it was trained).
    keep_keyframes: keyframe encodings kept in memory (each a few MB at 480 px wide).
    windowed: run a model that corrects the flow fill on a window around the hole
    (:mod:`core.render.network_window`) rather than the whole working frame.
    """

    def __init__(self, project: Project, frame_of: Callable[[int], np.ndarray], model, *,
                 inputs: RemovalInputs | None = None, prealign: bool = False,
                 offsets: Sequence[int] | None = None, notice: Notice = log_notice,
                 keep_keyframes: int = 48, windowed: bool = True) -> None:
        import torch

        if not isinstance(model, RemovalModel):
            model = RemovalModel(model, next(model.parameters()).device, None)
        self.project = project
        self.inputs = inputs if inputs is not None else RemovalInputs(project, frame_of)
        self.model = model
        self.prealign = prealign
        residual = model.model.config.output == "residual_rgb"
        self.offsets = tuple(offsets) if offsets is not None else \
            CORRECTION_OFFSETS if residual else KEYFRAME_OFFSETS
        self.notice = notice
        self.scale = 1.0
        self.last_stats: NetworkFrameStats | None = None
        self._device = torch.device(model.device)
        self._net = model.model
        self._fast_cpu = self._device.type == "cpu" and self._channels_last_cpu(self._net)
        self._memories: LRUCache[tuple, object] = LRUCache(max(1, keep_keyframes))
        self._keep = keep_keyframes
        self._channels = self._net.config.in_channels
        self._residual = residual
        self._windowed = windowed
        self._candidates = self._net.config.candidate_inputs > 0
        self._flow_fill = None  # the residual model's prealign (the classical fill), made on demand
        self._last_fill: tuple[int, Prealigned] | None = None
        self._last_small: tuple[Prealigned, tuple] | None = None  # that fill on the working grid

    # -- frames --------------------------------------------------------------------------------

    @property
    def corrects_flow_fill(self) -> bool:
        """Whether the model reads the flow fill and corrects it (``residual_rgb``)."""
        return self._residual

    def render_frame(self, index: int, *, keyframes: Sequence[int] | None = None,
                     prealign: bool | None = None,
                     previous: tuple[int, np.ndarray] | None = None) -> np.ndarray:
        """Frame ``index`` cleaned: ``(H, W, 3)`` uint8 RGB.

        A content keyframe is returned as it is and a frame without a hole is the source frame;
        otherwise the network fills the hole from ``keyframes`` (default: the schedule's).
        Outside the hole the source pixels are returned bit for bit. ``previous``: ``(index ± 1,
        its flow fill)`` (:meth:`flow_fill`), which the flow fill under a residual model may
        carry from where no frame shows the background.
        """
        inputs = self.inputs
        if not 0 <= index < inputs.frame_count:
            raise IndexError(f"frame {index} outside 0..{inputs.frame_count - 1}")
        if not inputs.needs_fill(index):
            return inputs.frame(index)
        if keyframes is None:
            keyframes = keyframes_for(index, inputs.frame_count, offsets=self.offsets,
                                      content_keyframes=self.project.content_keyframes())
        if previous is not None and self.corrects_flow_fill:
            self._full_fill(index, previous)
        return self.render_with_sources(index, [self.source(k) for k in keyframes], prealign=prealign)

    def render_with_sources(self, index: int, sources: Sequence[KeyframeSource], *,
                            prealign: bool | None = None) -> np.ndarray:
        """Frame ``index`` filled by the network from ``sources`` (full resolution, composited)."""
        working = self.fill_working(index, sources, prealign=prealign)
        alpha = self.inputs.alpha(index)
        if self._residual and (working.shape[1], working.shape[0]) != self.inputs.frame_size:
            # the correction is upsampled, the flow fill's own pixels stay at full resolution; only
            # the pixels the composite takes are corrected (whole frames in float32 were 400 MB of
            # temporaries at 4K, issue 14)
            full = self._full_fill(index).rgb
            small = self._prealigned(index)[0]
            change = upsample_float(working.astype(np.float32) - small.astype(np.float32),
                                    self.inputs.frame_size)
            ys, xs = np.nonzero(alpha > 0)
            filled = full.copy()
            filled[ys, xs] = np.clip(full[ys, xs].astype(np.float32) + change[ys, xs] + 0.5, 0, 255).astype(np.uint8)
            del change
        else:
            filled = upsample(working, self.inputs.frame_size)
        return feathered_composite(self.inputs.frame(index), filled, alpha)

    def flow_fill(self, index: int) -> np.ndarray:
        """Frame ``index``'s flow fill, ``(H, W, 3)`` uint8 RGB: what a residual model corrected
        when it last rendered that frame (the next frame's ``previous``)."""
        return self._full_fill(index).rgb

    def source(self, index: int) -> KeyframeSource:
        """Frame ``index`` as a keyframe: masked with its own hole (none for content keyframes)."""
        inputs = self.inputs
        return KeyframeSource(index, inputs.working_frame(index), inputs.working_hole(index),
                              ("frame", index))

    def fill_working(self, index: int, sources: Sequence[KeyframeSource], *,
                     prealign: bool | None = None) -> np.ndarray:
        """The network's output for frame ``index`` on the working grid: ``(h, w, 3)`` uint8 RGB
        (the working frame outside the working hole)."""
        started = time.perf_counter()
        inputs = self.inputs
        rgb, hole = inputs.working_frame(index), inputs.working_hole(index)
        flows = [inputs.flow_and_consistency(index, s.index) for s in sources]
        prealigned = 0.0
        if self._residual:  # the model corrects the flow fill: always "+prealign"
            fill = self._prealigned(index)
            output, encoded = self._with_memory_retries(
                lambda: self._run_correction(rgb, hole, sources, flows, fill))
            self.last_stats = NetworkFrameStats(len(sources), float((fill[1][hole] > 0).mean()),
                                                encoded, time.perf_counter() - started)
            return output
        if self.prealign if prealign is None else prealign:
            aligned = (AlignedSource(s.rgb, s.hole, f, c) for s, (f, c) in zip(sources, flows))
            rgb, remaining = prealign_pixels(rgb, hole, aligned)
            prealigned = 1.0 - remaining.sum() / max(1, hole.sum())
            hole = remaining
        if not hole.any():
            output, encoded = rgb, 0
        else:
            output, encoded = self._with_memory_retries(lambda: self._run_network(rgb, hole, sources, flows))
        self.last_stats = NetworkFrameStats(len(sources), float(prealigned), encoded,
                                            time.perf_counter() - started)
        return output

    # -- changes -------------------------------------------------------------------------------

    def invalidate(self, *, frames_changed: bool = False) -> None:
        """Masks (or, with ``frames_changed``, content keyframes) changed: forget what they fed."""
        self._memories.clear()
        self._flow_fill = self._last_fill = self._last_small = None
        self.inputs.invalidate(frames_changed=frames_changed)

    def close(self) -> None:
        """Free the keyframe encodings (the model stays loaded for the next renderer)."""
        self._memories.clear()

    # -- the network ---------------------------------------------------------------------------

    @staticmethod
    def _channels_last_cpu(net) -> bool:
        """On a CPU the network runs channels-last, in bfloat16 where the CPU has it natively:
        at 432x240 one pass of the cpu preset takes 3 s in plain float32 on 2 cores, 1 s
        channels-last, 0.4 s channels-last in bf16 (busy 2-core Xeon, docs/benchmarks.md)."""
        import torch

        from core.model import native_cpu_bfloat16

        net.to(memory_format=torch.channels_last)
        return native_cpu_bfloat16()

    def _prealigned(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The flow fill of frame ``index`` on the working grid: ``(rgb (h, w, 3) uint8,
        confidence (h, w) float32 0..1, candidate planes (h, w, 4 K) float32 or None)``."""
        size = self.inputs.working_size
        fill = self._full_fill(index)
        if self._last_small is not None and self._last_small[0] is fill:
            return self._last_small[1]
        planes = fill.candidate_planes(size) if self._candidates else None
        if (fill.rgb.shape[1], fill.rgb.shape[0]) == size:
            small = fill.rgb, fill.confidence, planes
        else:
            small = (cv2.resize(fill.rgb, size, interpolation=cv2.INTER_AREA),
                     cv2.resize(fill.confidence, size, interpolation=cv2.INTER_AREA), planes)
        self._last_small = (fill, small)
        return small

    def _full_fill(self, index: int, previous: tuple[int, np.ndarray] | None = None) -> Prealigned:
        """The flow fill of frame ``index`` at full resolution (the last one is kept)."""
        if self._last_fill is not None and self._last_fill[0] == index and previous is None:
            return self._last_fill[1]
        inputs = self.inputs
        if self._flow_fill is None:
            self._flow_fill = FlowFill(inputs.frame, inputs.mask, inputs.frame_count, flow=inputs.flow,
                                       dilate=inputs.dilate, texture=self.project.settings.fill_texture)
        fill = self._flow_fill.prealign_frame(index, previous, candidates=self._candidates)
        self._last_fill = (index, fill)
        return fill

    def _run_correction(self, rgb: np.ndarray, hole: np.ndarray, sources: Sequence[KeyframeSource],
                        flows: list[tuple[np.ndarray, np.ndarray]],
                        fill: tuple[np.ndarray, np.ndarray, np.ndarray | None]) -> tuple[np.ndarray, int]:
        """:meth:`_run_network` for a model that corrects the flow fill, on the window around the
        hole (the whole working frame outside it, as the network returns it)."""
        window = network_window(hole, [f for f, _ in flows]) if self._windowed else None
        if window is None:
            return self._run_network(rgb, hole, sources, flows, fill)
        rows, columns = window

        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows, columns]

        where = (rows.start, rows.stop, columns.start, columns.stop)  # slices are not hashable
        cropped = [KeyframeSource(s.index, cut(s.rgb), cut(s.hole), (s.key, where)) for s in sources]
        output, encoded = self._run_network(cut(rgb), cut(hole), cropped,
                                            [(cut(f), cut(c)) for f, c in flows],
                                            (cut(fill[0]), cut(fill[1]), cut(fill[2])))
        result = rgb.copy()
        result[rows, columns] = output
        return result, encoded

    def _run_network(self, rgb: np.ndarray, hole: np.ndarray, sources: Sequence[KeyframeSource],
                     flows: list[tuple[np.ndarray, np.ndarray]],
                     prealigned: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
                     ) -> tuple[np.ndarray, int]:
        import torch

        from core.model import autocast, resize_consistency, resize_flow

        height, width = hole.shape
        size = (max(8, round(height * self.scale)), max(8, round(width * self.scale)))
        with torch.inference_mode(), autocast(self._device, cpu_bfloat16=self._fast_cpu):
            target = self._frame_tensor(rgb, hole, size, prealigned)
            memory, encoded = self._memory(sources, size)
            flow_t = consistency_t = None
            if sources:
                flow_t = torch.from_numpy(np.stack([f for f, _ in flows])).permute(0, 3, 1, 2)[None]
                consistency_t = torch.from_numpy(np.stack([c for _, c in flows]))[None, :, None]
                flow_t = resize_flow(flow_t.to(self._device), size)
                consistency_t = resize_consistency(consistency_t.to(self._device), size)
            out = self._net.propagate(target, memory, flow_t, consistency_t)
            out = out.float()
            if tuple(out.shape[-2:]) != (height, width):
                out = torch.nn.functional.interpolate(out, size=(height, width), mode="bilinear",
                                                      align_corners=False)
            pixels = (out[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
        # Known pixels stay exactly as given (the network composites them at its own resolution).
        return np.where(hole[..., None], pixels, rgb), encoded

    def _memory(self, sources: Sequence[KeyframeSource], size: tuple[int, int]):
        """The ``KeyframeMemory`` of ``sources`` in order (encoding only those not kept)."""
        import torch

        from core.model import KeyframeMemory

        keys = [(s.key, size) for s in sources]
        found = {key: self._memories.get(key) for key in keys}
        missing = [i for i, key in enumerate(keys) if found[key] is None]
        if missing:
            frames = torch.stack([self._frame_tensor(sources[i].rgb, sources[i].hole, size)[0]
                                  for i in missing])[None]
            encoded = self._net.encode_keyframes(frames)
            for j, i in enumerate(missing):
                found[keys[i]] = encoded.select([j])
        if not sources:
            height, width = size
            empty = torch.zeros(1, 0, self._channels, height, width, device=self._device)
            return self._net.encode_keyframes(empty), 0
        self._memories.max_items = max(self._keep, len(keys))  # every source of this frame stays
        for key in keys:
            self._memories.put(key, found[key])
        return KeyframeMemory.cat([found[key] for key in keys]), len(missing)

    def _frame_tensor(self, rgb: np.ndarray, hole: np.ndarray, size: tuple[int, int],
                      prealigned: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None):
        """``(1, C, h', w')`` float network input (:mod:`core.model.inputs`): a target when
        ``prealigned`` (the flow fill's RGB, confidence and candidate planes) is given or the
        model reads 4 channels, else a keyframe."""
        import torch
        import torch.nn.functional as F

        from core.model.inputs import keyframe_channels, target_channels

        def tensor(a: np.ndarray, scale: float) -> torch.Tensor:
            # astype copies: frames from a clip reader are read-only, which torch warns about.
            t = torch.from_numpy(a.astype(np.float32)).to(self._device)
            t = (t.permute(2, 0, 1) if t.ndim == 3 else t[None]) / scale
            return t if tuple(t.shape[-2:]) == size else F.interpolate(t[None], size=size, mode="area")[0]

        image = tensor(rgb, 255)
        mask = (tensor(hole, 1) > 0).float()
        if self._channels == 4 or prealigned is None:
            out = (target_channels(image, mask) if self._channels == 4
                   else keyframe_channels(image, mask, channels=self._channels))[None]
        else:
            planes = None if prealigned[2] is None else tensor(prealigned[2], 1)
            out = target_channels(image, mask, tensor(prealigned[0], 255), tensor(prealigned[1], 1),
                                  channels=self._channels, candidates=planes)[None]
        return out.contiguous(memory_format=torch.channels_last) if self._device.type == "cpu" else out

    def _with_memory_retries(self, run: Callable[[], tuple[np.ndarray, int]]) -> tuple[np.ndarray, int]:
        """``run()``; when CUDA runs out of memory: again at a lower resolution, then on the CPU."""
        import torch

        while True:
            try:
                return run()
            except torch.cuda.OutOfMemoryError:
                self._memories.clear()
                torch.cuda.empty_cache()
                if self.scale * _SCALE_STEP >= _MIN_SCALE:
                    self.scale *= _SCALE_STEP
                    self.notice(f"The GPU ran out of memory; rendering at {self.scale:.0%} of the "
                                "working resolution. Lower the working width for sharper results.")
                elif self._device.type != "cpu":
                    self._net = _on_cpu(self._net)
                    self._device = torch.device("cpu")
                    self.scale = 1.0
                    self.notice("The GPU ran out of memory even at a low resolution; rendering on the "
                                "CPU (slower). Close other GPU programs to render on the GPU.")
                else:
                    raise ModelError("Out of memory while rendering; lower the working width.") from None


def _on_cpu(net):
    """A CPU copy of ``net`` made without another GPU allocation (its weights go over one by one)."""
    from core.model import KeyframePropagationNet

    cpu = KeyframePropagationNet(net.config)
    cpu.load_state_dict({k: v.detach().cpu() for k, v in net.state_dict().items()})
    return cpu.eval()
