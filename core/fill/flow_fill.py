"""The classical flow fill: Keyfill's baseline, and its fallback when no network checkpoint exists.

To fill frame ``t``, other frames are visited nearest first (t-1, t+1, t-2, t+2, ... up to
``max_distance``). The background's motion from ``t`` to each source ``s`` is a homography chained
from one per pair of neighbouring frames, each fitted to the DIS flow outside the holes
(:mod:`core.fill.background_motion`); it maps every hole pixel ``p`` of ``t`` to a position in
``s``. The source's pixel there (bilinear) is a *candidate* for ``p`` when

1. that position shows background in ``s`` (outside ``s``'s hole, read with nearest sampling;
   positions outside the frame count as hole), and
2. for sources more than ``near_distance`` frames away, the position is not *moving* in ``s`` (no
   neighbour of ``s`` aligned on the background shows it in the same colour): a far frame must
   not lend an unmasked moving object that was at the background's place at another time.

Each pixel takes the per-channel median of its first ``candidates`` candidates (nearest frames
first), so one frame's outlier (a passing object, a misaligned edge) does not show. When all
sources are visited, ``fill_clip`` tries the previous *filled* frame along the completed direct
DIS flow (:mod:`core.fill.flow_completion`; where its forward-backward consistency is at least
``consistency_threshold``), so what could not be recovered stays steady instead of flickering,
and Telea fills whatever is left (with ``texture``: patches of the frame's own background,
:mod:`core.fill.patch_synthesis`).

Why homographies and not the completed DIS flow for every source: DIS flow chained from more than
about two frames away is badly wrong inside holes, and its consistency does not reveal it; on the
evaluation clips the homography chain with the median gives 0.6 to 1 dB more in the hole, a higher
SSIM and less flicker (docs/quality.md, "Removal").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterator

import cv2
import numpy as np

from core.fill.background_motion import BackgroundMotion
from core.fill.candidate_colours import candidate_confidence, median_colours
from core.fill.flow_completion import CompletedFlows
from core.fill.holes import BoxedHole, check_mask_size, hole_from_mask
from core.fill.patch_synthesis import synthesize_texture
from core.fill.prealigned import Prealigned
from core.fill.telea import inpaint_hole
from core.fill.working_candidates import WorkingCandidates, covering_hole
from core.flow import FlowField, apply_homography, follow_working_flow, sample_at
from core.lru import LRUCache
from core.progress import NEVER_CANCELLED, CancelToken, ProgressFn, no_progress

_HOLES_KEPT = 32
PREVIOUS_FILL_CONFIDENCE = 0.3  # a pixel carried from the previous filled frame (fill_clip only)
CANDIDATES = 5  # source pixels whose median fills a hole pixel
NEAR_DISTANCE = 4  # frames: sources this near may lend moving pixels too


@dataclass(frozen=True)
class _TextureReference:
    """The first frame of a chain of fills, each carrying from the one before (``previous``):
    its fill (``(H, W, 3)`` uint8, with the texture made for what no frame shows) and the last
    frame the chain reached."""

    index: int
    rgb: np.ndarray
    last: int


@dataclass(frozen=True)
class FillStats:
    """Where the pixels of one filled frame's hole came from (counts of pixels)."""

    hole_pixels: int
    from_frames: int  # copied from other frames of the clip (the median of their candidates)
    from_previous: int  # carried from the previous filled frame (with texture: from the first of the chain)
    from_telea: int  # made in the frame: patch synthesis (texture) or Telea
    source_frames: int  # how many frames contributed pixels

    @property
    def flow_coverage(self) -> float:
        """Fraction 0..1 of the hole filled along the flow (other frames or the previous fill)."""
        return (self.from_frames + self.from_previous) / self.hole_pixels if self.hole_pixels else 1.0


class FlowFill:
    """Classical flow fill of a clip's masked regions.

    frame_of: ``frame_of(i) -> (H, W, 3) uint8 RGB``; mask_of: ``mask_of(i) ->
        (H, W) uint8`` (non-zero = object to remove), for ``0 <= i < frame_count``.
    flow: the clip's :class:`FlowField` to share; by default one is made over ``frame_of``.
    max_distance: farthest source frame visited on each side, in frames.
    dilate: masks are grown by this many pixels (see :mod:`core.fill.holes`); outside the grown
        mask the output is the input frame, bit for bit.
    candidates: source pixels (nearest frames first) whose median fills each hole pixel.
    near_distance: sources at most this many frames away may lend pixels that move in them.
    consistency_threshold: minimum forward-backward consistency (0..1) of the flow to the previous
        filled frame for a pixel to be carried from it (``fill_clip`` only).
    texture: what no frame shows is made from patches of the frame's own background
        (:mod:`core.fill.patch_synthesis`: the wall's bricks continued) and, over a clip, carried
        from the frame where it was made by the background's homography; ``False`` (the
        default: higher PSNR and less flicker on the evaluation clips, docs/quality.md): Telea's
        smear, carried from the previous filled frame along the flow.
    After each fill, ``last_fill_stats`` says how much of the hole came from the flow.
    """

    def __init__(
        self,
        frame_of: Callable[[int], np.ndarray],
        mask_of: Callable[[int], np.ndarray],
        frame_count: int,
        *,
        flow: FlowField | None = None,
        max_distance: int = 40,
        dilate: int = 3,
        candidates: int = CANDIDATES,
        near_distance: int = NEAR_DISTANCE,
        consistency_threshold: float = 0.5,
        texture: bool = False,
    ) -> None:
        self._frame = frame_of
        self._mask = mask_of
        self.frame_count = frame_count
        # Only the neighbouring pairs' raw flows are read (for the homographies, once each, and the
        # completed flow to the previous filled frame), so an own flow field keeps few.
        self._flow_field = flow if flow is not None else FlowField(frame_of, frame_count, cache_pairs=8)
        self.max_distance = max_distance
        self.dilate = dilate
        self.candidates = max(1, candidates)
        self.near_distance = near_distance
        self.consistency_threshold = consistency_threshold
        self.texture = texture
        self._completed = CompletedFlows(self._flow_field, self._working_hole, cache_pairs=4)
        self._background = BackgroundMotion(frame_of, self._flow_field, self._working_hole)
        self._holes: dict[str, LRUCache[int, np.ndarray]] = {}
        self._texture_reference: _TextureReference | None = None  # (texture) where the chain of fills began
        self.last_fill_stats: FillStats | None = None

    def fill_frame(self, index: int) -> np.ndarray:
        """Frame ``index`` with its hole filled: ``(H, W, 3)`` uint8 RGB."""
        self._check_index(index)
        return self._fill(index, previous=None)

    def fill_clip(
        self,
        *,
        start: int = 0,
        stop: int | None = None,
        progress: ProgressFn = no_progress,
        cancel: CancelToken = NEVER_CANCELLED,
        chunk: int | None = None,
    ) -> Iterator[np.ndarray]:
        """Yield filled frames ``start .. stop - 1`` in order.

        Each frame may also borrow from the previous filled frame, so results can differ
        slightly from :meth:`fill_frame` in regions no source frame shows. ``chunk``: frames
        that are multiples of it start afresh (borrow from no previous frame), so a range that
        starts at such a frame fills exactly as in the whole clip (chunks rendered apart: a
        render farm, several cores).
        Raises :class:`core.errors.Cancelled` before the next frame once ``cancel`` is set.
        """
        stop = self.frame_count if stop is None else stop
        if not 0 <= start <= stop <= self.frame_count:
            raise IndexError(f"frames {start}..{stop} outside 0..{self.frame_count}")
        total = stop - start
        previous: tuple[int, np.ndarray] | None = None
        for done, index in enumerate(range(start, stop)):
            cancel.raise_if_cancelled()
            if chunk and index % chunk == 0:
                previous = None
            filled = self._fill(index, previous=previous)
            previous = (index, filled)
            progress(done + 1, total, f"Filled frame {index + 1} of {self.frame_count}")
            yield filled

    # -- one frame ---------------------------------------------------------------------------

    def prealign_frame(self, index: int, previous: tuple[int, np.ndarray] | None = None, *,
                       candidates: bool = False) -> Prealigned:
        """Frame ``index`` filled as :meth:`fill_frame` does, with how far each hole pixel can be
        trusted: the network's "+prealign" input (:class:`Prealigned`, full resolution).
        ``previous``: ``(index - 1 or index + 1, its filled frame)`` to carry from where no other
        frame shows the background, as :meth:`fill_clip` does. ``candidates``: keep every
        candidate colour too (a model that reads them)."""
        self._check_index(index)
        return self._fill_with_confidence(index, previous=previous, keep_candidates=candidates)

    # -- one frame ---------------------------------------------------------------------------

    def _fill(self, t: int, previous: tuple[int, np.ndarray] | None) -> np.ndarray:
        return self._fill_with_confidence(t, previous).rgb

    def _fill_with_confidence(self, t: int, previous: tuple[int, np.ndarray] | None, *,
                              keep_candidates: bool = False) -> Prealigned:
        frame = self._frame(t)
        boxed = self._hole(t)
        ys, xs = boxed.points()
        hole_points = np.stack([xs, ys], axis=1).astype(np.float32)  # (n, 2) full-res pixels
        working = self._working_search
        if working is not None:  # wider than the working grid: sources chosen there
            candidates, counts, nearest, sources = working.gather(
                t, hole_points, self._source_homographies(t, working=True))
        else:
            candidates, counts, nearest, sources = self._full_resolution_candidates(t, hole_points)
        filled = counts > 0
        colours = median_colours(candidates, counts)
        confidence = candidate_confidence(candidates, counts, colours, nearest, self.candidates)
        from_frames = int(filled.sum())
        from_previous = 0
        chained = previous is not None and abs(previous[0] - t) == 1
        reference = self._texture_reference
        if not (chained and reference is not None and reference.last == previous[0]):
            reference = None
        if not filled.all() and chained:
            ids = np.flatnonzero(~filled)
            if reference is not None:
                from_previous = self._copy_from_reference(t, reference, ids, hole_points[ids], colours, filled)
            else:
                positions, consistency = self._direct(t, previous[0], hole_points[ids])
                from_previous = self._copy_along_flow(previous[1], ids, positions, consistency, colours, filled)
            copied = ids[filled[ids]]
            confidence[copied] = PREVIOUS_FILL_CONFIDENCE
        result = frame.copy()  # only hole pixels are written below: outside it, the source exactly
        result[ys, xs] = colours
        left = np.zeros(boxed.shape, bool)
        left[ys[~filled], xs[~filled]] = True
        if left.any():
            result = synthesize_texture(result, left, known=self._still_background(t, boxed)) if self.texture \
                else inpaint_hole(result, left)
        if self.texture:
            self._texture_reference = _TextureReference(t, result, t) if reference is None else \
                _TextureReference(reference.index, reference.rgb, t)
        self.last_fill_stats = FillStats(len(hole_points), from_frames, from_previous, int(left.sum()), sources)
        confidence_map = np.zeros(boxed.shape, np.float32)
        confidence_map[ys, xs] = confidence
        if not keep_candidates:
            return Prealigned(result, boxed.full(), confidence_map)
        kept = np.clip(candidates + 0.5, 0, 255).astype(np.uint8)
        return Prealigned(result, boxed.full(), confidence_map, (ys, xs), kept,
                          np.minimum(counts, self.candidates).astype(np.uint8))

    @cached_property
    def _working_search(self) -> WorkingCandidates | None:
        """The search on the working grid (:mod:`core.fill.working_candidates`); ``None`` when the
        clip is no wider than that grid and every pixel searches at full resolution. Made on the
        first fill: the frame size is known once a frame is read."""
        field = self._flow_field
        if field.working_size == field.frame_size:
            return None
        return WorkingCandidates(self._frame, self._hole, self._covering_hole, self._background,
                                 frame_size=field.frame_size, working_size=field.working_size,
                                 candidates=self.candidates, near_distance=self.near_distance)

    def _full_resolution_candidates(self, t: int, hole_points: np.ndarray
                                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Every hole pixel visits the sources nearest first until it has its candidates (a clip
        no wider than the working grid). Returns ``(candidates (n, K, 3) float32, counts (n,),
        nearest (n,) frames to the nearest source that lent, source frames that lent)``."""
        candidates = np.zeros((len(hole_points), self.candidates, 3), np.float32)
        counts = np.zeros(len(hole_points), np.int64)
        nearest = np.full(len(hole_points), np.inf, np.float32)  # frames to the nearest candidate
        sources = 0
        for s, homography in self._source_homographies(t):
            # only the pixels still wanting a candidate are mapped (profiled: mapping every hole
            # pixel for every source was a sixth of the fill's time on a large hole)
            wanting = np.flatnonzero(counts < self.candidates)
            if not len(wanting):
                break
            before = counts[wanting]
            positions = apply_homography(homography, hole_points[wanting])
            sources += self._add_candidates(t, s, wanting, positions, candidates, counts)
            gained = wanting[counts[wanting] > before]
            nearest[gained[~np.isfinite(nearest[gained])]] = abs(s - t)
            if (counts >= self.candidates).all():
                break
        return candidates, counts, nearest, sources

    def _source_homographies(self, t: int, *, working: bool = False) -> Iterator[tuple[int, np.ndarray]]:
        """For sources ``s`` nearest first: ``(s, homography)`` taking the background of ``t``
        (full-resolution pixels, or working-grid pixels with ``working``) to where it is in ``s``."""
        neighbour = self._background.neighbour_working_homography if working else \
            self._background.neighbour_homography
        chained = {-1: np.eye(3), 1: np.eye(3)}
        for distance in range(1, self.max_distance + 1):
            for side in (-1, 1):
                s = t + side * distance
                if not 0 <= s < self.frame_count:
                    continue
                chained[side] = neighbour(s - side, s) @ chained[side]
                yield s, chained[side]

    def _add_candidates(
        self, t: int, s: int, ids: np.ndarray, positions: np.ndarray, candidates: np.ndarray, counts: np.ndarray
    ) -> bool:
        """Add frame ``s``'s pixels at ``positions`` (``(len(ids), 2)``) to the candidates of the
        hole pixels ``ids`` that show background there; returns whether any was added."""
        source = self._frame(s)
        height, width = source.shape[:2]
        x, y = positions[:, 0], positions[:, 1]
        usable = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        usable[usable] = self._hole(s).at(x[usable], y[usable]) == 0
        if abs(s - t) > self.near_distance:
            usable[usable] = ~self._background.moving_at(s, x[usable], y[usable])
        if not usable.any():
            return False
        ids = ids[usable]
        candidates[ids, counts[ids]] = sample_at(source, x[usable], y[usable])
        counts[ids] += 1
        return True

    def _still_background(self, t: int, boxed: BoxedHole) -> np.ndarray:
        """``(H, W)`` bool: the pixels of frame ``t`` texture may be copied from: outside its hole
        and not moving against the background (:mod:`core.fill.background_motion`), so another
        person walking beside the one removed is not copied into the hole. One that moves too
        slowly for that test still is (dance-jump's dancer, docs/quality.md "Stop 22")."""
        moving = self._background.moving_working(t)
        height, width = boxed.shape
        if moving.shape != (height, width):
            moving = cv2.resize(moving, (width, height), interpolation=cv2.INTER_NEAREST)
        return ~boxed.full() & (moving == 0)

    def _copy_from_reference(self, t: int, reference: _TextureReference, ids: np.ndarray, points: np.ndarray,
                             colours: np.ndarray, filled: np.ndarray) -> int:
        """Copy what the chain's first frame made at ``points`` (full-res pixels of ``t``, the
        hole pixels ``ids`` no frame shows), carried by the background's homography: sampled once
        from that frame, so the texture made there neither boils nor blurs frame after frame (as
        copying from the previous fill along the flow did: a resampling each frame). Marks the
        copied pixels in ``filled``; returns how many were copied."""
        positions = apply_homography(self._background.neighbour_homography(t, reference.index), points)
        height, width = reference.rgb.shape[:2]
        x, y = positions[:, 0], positions[:, 1]
        usable = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        if usable.any():
            colours[ids[usable]] = sample_at(reference.rgb, x[usable], y[usable])
            filled[ids[usable]] = True
        return int(usable.sum())

    def _direct(self, t: int, s: int, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``points`` of ``t`` land in ``s`` by the completed direct flow, and its consistency."""
        flow_ts, consistency_ts = self._completed.flow_and_consistency(t, s)
        return self._follow(flow_ts, consistency_ts, points)

    def _follow(
        self, working_flow: np.ndarray, working_consistency: np.ndarray, points: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``points + flow(points)`` (full-res pixels, ``(m, 2)``) and the consistency there (``(m,)``)."""
        return follow_working_flow(points, working_flow, working_consistency, self._flow_field.frame_size)

    def _copy_along_flow(
        self,
        source: np.ndarray,
        ids: np.ndarray,
        positions: np.ndarray,
        consistency: np.ndarray,
        colours: np.ndarray,
        filled: np.ndarray,
    ) -> int:
        """Copy ``source`` at ``positions`` into ``colours[ids]`` where the mapping is usable.

        Usable: consistent enough and inside the frame (``source`` is a filled frame: no hole).
        Marks the copied pixels in ``filled``; returns how many were copied.
        """
        height, width = source.shape[:2]
        x, y = positions[:, 0], positions[:, 1]
        usable = (consistency >= self.consistency_threshold) & (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        usable &= ~filled[ids]
        if usable.any():
            colours[ids[usable]] = sample_at(source, x[usable], y[usable])
            filled[ids[usable]] = True
        return int(usable.sum())

    # -- holes -------------------------------------------------------------------------------

    def _hole(self, index: int) -> BoxedHole:
        """Frame ``index``'s hole at full resolution, kept as its bounding box (cached: the
        ~30 frames around the one filled are read, and a whole 4K hole is 8 MB)."""
        return self._holes.setdefault("hole", LRUCache(_HOLES_KEPT)).made(
            index, lambda: BoxedHole.of(self._full_hole(index)))

    def _full_hole(self, index: int) -> np.ndarray:
        """Frame ``index``'s hole at full resolution, ``(H, W)`` bool (not kept)."""
        mask = self._mask(index)
        check_mask_size(mask, self._flow_field.frame_size, index)
        return hole_from_mask(mask, self.dilate)

    def _working_hole(self, index: int) -> np.ndarray:
        """Frame ``index``'s hole on the flow's working grid; a pixel mostly in the hole is hole
        (what flow completion and the homographies leave out; cached)."""
        def make() -> np.ndarray:
            hole = self._hole(index).full()
            width, height = self._flow_field.working_size
            if hole.shape == (height, width):
                return hole
            return cv2.resize(hole.astype(np.uint8), (width, height), interpolation=cv2.INTER_AREA) > 0
        return self._kept("working", index, make)

    def _covering_hole(self, index: int) -> np.ndarray:
        """Frame ``index``'s hole on the working grid, every pixel touching it (cached)."""
        return self._kept("covering", index,
                          lambda: covering_hole(self._hole(index).full(), self._flow_field.working_size))

    def _kept(self, kind: str, index: int, make: Callable[[], np.ndarray]) -> np.ndarray:
        """``make()``'s read-only array for ``index``, kept among the last ``_HOLES_KEPT`` of its kind."""
        return self._holes.setdefault(kind, LRUCache(_HOLES_KEPT)).made(index, lambda: _read_only(make()))

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} outside 0..{self.frame_count - 1}")


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
