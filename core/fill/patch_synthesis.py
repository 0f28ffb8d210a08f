"""Texture for background that no frame shows: patch-based synthesis.

Where the object never moves off its background (a singer before a wall the camera never reveals),
no other frame lends the hole its pixels, and Telea (:mod:`core.fill.telea`) smears the rim
inward: a smooth patch whose silhouette stays visible on brick, pavement or leaves
(docs/quality.md, "Background no frame shows"). Content-aware fill continues the texture instead:
each missing pixel is voted by the overlapping 7x7 patches, every one copied from the patch of
the surrounding background that best matches it (Wexler, Shechtman & Irani 2007, "Space-Time
Completion of Video"), the best matches found by PatchMatch's propagation and random search
(Barnes et al. 2009), coarse to fine so that large structures are settled before fine grain.

Everything runs on the hole's box grown by a margin, so a small hole in a 4K frame costs what it
costs at 432x240, and the texture comes from the background around the hole. The random search is
seeded: the same frame and hole give the same fill, so a still shot re-synthesised at the start of
each rendered chunk gives the same texture again.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from core.fill.telea import inpaint_hole

PATCH_RADIUS = 3  # 7x7 patches
COARSEST_PX = 12  # the pyramid stops when the hole's box is about this short at its coarsest
MAX_LEVELS = 5
MARGIN_SHARE = 0.5  # the texture comes from a band this share of the hole's box around it
MIN_MARGIN_PX = 24  # at the working width
TRUST_BASE = 1.3
EM_ITERATIONS = (6, 4, 3)  # search-and-vote rounds per level, coarsest first; the last repeats
SPECK_PX = 48  # pieces of the hole smaller than this (working-grid pixels) have no texture to continue: Telea
FINER_SEARCH_PX = 16  # below the coarsest level the random search stays this near the match it refines
WORKING_WIDTH = 480  # frames wider are matched at this width (the flow's working grid)
_NEIGHBOUR_STEPS = ((0, 1), (0, -1), (1, 0), (-1, 0), (0, 4), (0, -4), (4, 0), (-4, 0))


def synthesize_texture(frame: np.ndarray, hole: np.ndarray, *, known: np.ndarray | None = None,
                       seed: int = 0, working_width: int = WORKING_WIDTH) -> np.ndarray:
    """``frame`` with its ``hole`` pixels made from patches of the background around them.

    frame: ``(H, W, 3)`` uint8. hole: ``(H, W)`` bool, the pixels to make. known: ``(H, W)`` bool,
    the pixels patches may be copied from (default: every pixel outside ``hole``; pass the frame's
    background without the object's own mask so no object is copied). Pixels outside ``hole``
    are returned exactly. Each connected piece of the hole is made from the background around it;
    a piece with no whole patch of background around it, or too small to show texture, is left
    to Telea. A frame wider than
    ``working_width`` is matched at that width and its own pixels are copied along the matches
    found there, scaled up: the cost of 480 px wide, the grain of the full resolution.
    """
    if not hole.any():
        return frame.copy()
    known = ~hole if known is None else known & ~hole
    scale = min(1.0, working_width / frame.shape[1])
    result = frame.copy()
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    specks = np.zeros_like(hole)
    for label in range(1, count):  # each piece of the hole from the background around it
        x, y, w, h, area = stats[label]
        if area * scale * scale < SPECK_PX:
            specks[y:y + h, x:x + w] |= labels[y:y + h, x:x + w] == label
            continue
        margin = max(round(MIN_MARGIN_PX / scale), round(MARGIN_SHARE * max(w, h)))
        top, bottom = max(0, y - margin), min(hole.shape[0], y + h + margin)
        left, right = max(0, x - margin), min(hole.shape[1], x + w + margin)
        crop = (slice(top, bottom), slice(left, right))
        piece = labels[crop] == label
        made = _made_piece(np.ascontiguousarray(frame[crop]), piece, known[crop], seed, scale,
                           levels=_levels(min(w, h) * scale))
        result[crop][piece] = made
    return inpaint_hole(result, specks) if specks.any() else result


def _levels(short_side: float) -> int:
    return int(min(MAX_LEVELS - 1, max(0, math.floor(math.log2(max(1.0, short_side) / COARSEST_PX))))) + 1


def _made_piece(image: np.ndarray, hole: np.ndarray, known: np.ndarray, seed: int, scale: float, *,
                levels: int) -> np.ndarray:
    """``(n, 3)`` uint8: the colours of the crop's ``hole`` pixels (in ``np.nonzero`` order)."""
    if scale < 1.0:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        small = _synthesized(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                             cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0,
                             cv2.resize(known.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.999,
                             seed, levels)
        if small is not None:
            return _copied_at_full_resolution(image, hole, known, *small)
    else:
        made = _synthesized(image, hole, known, seed, levels)
        if made is not None:
            return made[0][hole]
    return inpaint_hole(image, hole)[hole]  # no whole patch of background around the piece


def _copied_at_full_resolution(image: np.ndarray, hole: np.ndarray, known: np.ndarray,
                               small: np.ndarray, displacement: np.ndarray) -> np.ndarray:
    """Each full-resolution hole pixel copies the pixel its working-grid pixel's match points
    to, the displacement scaled up; where that lands off the known background, the working
    result upsampled."""
    height, width = hole.shape
    ys, xs = np.nonzero(hole)
    sy, sx = small.shape[0] / height, small.shape[1] / width
    wy = np.clip(((ys + 0.5) * sy).astype(np.int64), 0, small.shape[0] - 1)
    wx = np.clip(((xs + 0.5) * sx).astype(np.int64), 0, small.shape[1] - 1)
    dy, dx = displacement[wy, wx, 0], displacement[wy, wx, 1]
    fy = np.rint(ys + dy / sy).astype(np.int64)
    fx = np.rint(xs + dx / sx).astype(np.int64)
    inside = (fy >= 0) & (fy < height) & (fx >= 0) & (fx < width)
    copied = inside.copy()
    copied[inside] = known[fy[inside], fx[inside]]
    colours = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)[ys, xs]
    colours[copied] = image[fy[copied], fx[copied]]
    return colours


def _synthesized(image: np.ndarray, hole: np.ndarray, known: np.ndarray, seed: int, levels: int
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The crop with its hole made, ``(h, w, 3)`` uint8, and where each hole pixel's colour was
    copied from, ``(h, w, 2)`` (dy, dx) pixels; ``None`` when no whole patch of known pixels exists.

    Coarse to fine; the coarsest level starts from Telea and random matches, each finer one from
    the coarser one's matches. Matches are improved by PatchMatch and voted on, EM-style
    (Wexler et al.): a pixel is the weighted mean of the patches covering it (settling structure),
    except in the last vote, where it is copied from its own patch's match (keeping grain that a
    mean of 49 slightly different patches blurs away, seen on stone walls and gravel).
    """
    rng = np.random.default_rng(seed)
    pyramid = [(image, hole, known)]
    for _ in range(levels - 1):
        img, h, k = pyramid[-1]
        size = (max(1, (img.shape[1] + 1) // 2), max(1, (img.shape[0] + 1) // 2))
        pyramid.append((cv2.resize(img, size, interpolation=cv2.INTER_AREA),
                        cv2.resize(h.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0,
                        cv2.resize(k.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.999))
    coarser = nnf = None
    for depth, (img, h, k) in enumerate(reversed(pyramid)):
        level, finest = _Level(img, h, k & ~h), depth == len(pyramid) - 1
        if not level.sources.size:
            return None
        if coarser is None:
            level.set_hole_pixels(cv2.inpaint(img, h.astype(np.uint8), 3, cv2.INPAINT_TELEA))
            nnf = level.random_sources(rng, len(level.targets))
        else:
            level.set_hole_pixels(cv2.resize(coarser.image(), (img.shape[1], img.shape[0]),
                                             interpolation=cv2.INTER_LINEAR))
            nnf = level.upsampled(coarser, nnf, rng)
            # the coarser level's matches vote first: searching against the upsampled (blurred)
            # estimate would find the smoothest patches around and keep the fill smooth
            level.vote(nnf, level.distances(level.target_patches(), nnf))
        rounds = EM_ITERATIONS[min(depth, len(EM_ITERATIONS) - 1)]
        for round_ in range(rounds):
            nnf, distance = level.search(nnf, rng, max(level.shape) if coarser is None else FINER_SEARCH_PX)
            level.vote(nnf, distance, copy_centre=finest and round_ == rounds - 1)
        coarser = level
    return np.clip(coarser.image() + 0.5, 0, 255).astype(np.uint8), coarser.displacement(nnf)


class _Level:
    """One pyramid level: the padded image as rows of pixels, its target patches (every patch
    touching the hole) and the patches it may copy (wholly known)."""

    def __init__(self, image: np.ndarray, hole: np.ndarray, known: np.ndarray) -> None:
        r = PATCH_RADIUS
        self.shape = image.shape[:2]
        pad = dict(top=r, bottom=r, left=r, right=r)
        self.padded_shape = (self.shape[0] + 2 * r, self.shape[1] + 2 * r)
        width = self.padded_shape[1]
        self.pixels = cv2.copyMakeBorder(image.astype(np.float32), **pad, borderType=cv2.BORDER_REFLECT_101
                                         ).reshape(-1, 3)
        self.hole = cv2.copyMakeBorder(hole.astype(np.uint8), **pad, borderType=cv2.BORDER_CONSTANT, value=0) > 0
        known = cv2.copyMakeBorder(known.astype(np.uint8), **pad, borderType=cv2.BORDER_CONSTANT, value=0)
        kernel = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
        self.valid = cv2.erode(known, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
        self.sources = np.flatnonzero(self.valid)
        touching = cv2.dilate(self.hole.astype(np.uint8), kernel) > 0
        touching[:r], touching[-r:], touching[:, :r], touching[:, -r:] = False, False, False, False
        self.targets = np.flatnonzero(touching)
        self.target_index = np.full(self.padded_shape[0] * width, -1, np.int64)
        self.target_index[self.targets] = np.arange(len(self.targets))
        dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
        self.offsets = (dy * width + dx).ravel()
        self.row_starts = np.arange(-r, r + 1) * width - r  # where each row of a patch starts
        self._rows: np.ndarray | None = None  # the pixels as rows of 7 (``_patches``), while unchanged
        self.hole_pixels = np.flatnonzero(self.hole)
        self.width = width
        # how far a pixel's colour is known: 1 outside the hole, falling with the distance into it
        # (Wexler et al.'s confidence), so patches are matched on what is known more than on guesses
        # (the frame's edge is padded by reflection: the padding is as unknown as what it reflects)
        reflected = cv2.copyMakeBorder(hole.astype(np.uint8), **pad, borderType=cv2.BORDER_REFLECT_101)
        inside = cv2.distanceTransform(reflected, cv2.DIST_L2, 3)
        self.trust = np.power(TRUST_BASE, -inside).astype(np.float32).ravel()

    def set_hole_pixels(self, image: np.ndarray) -> None:
        r = PATCH_RADIUS
        padded = cv2.copyMakeBorder(image.astype(np.float32), r, r, r, r, cv2.BORDER_REFLECT_101).reshape(-1, 3)
        self.pixels[self.hole_pixels] = padded[self.hole_pixels]
        self._rows = None

    def displacement(self, nnf: np.ndarray) -> np.ndarray:
        """``(h, w, 2)`` (dy, dx): from each hole pixel to its patch's match (0 elsewhere)."""
        r = PATCH_RADIUS
        moved = np.zeros((len(self.pixels), 2), np.float32)
        centre = self.target_index[self.hole_pixels]
        to = np.stack(np.divmod(nnf[centre], self.width), axis=1)
        at = np.stack(np.divmod(self.hole_pixels, self.width), axis=1)
        moved[self.hole_pixels] = to - at
        return moved.reshape(*self.padded_shape, 2)[r:-r, r:-r]

    def image(self) -> np.ndarray:
        r = PATCH_RADIUS
        return self.pixels.reshape(*self.padded_shape, 3)[r:-r, r:-r].copy()

    def random_sources(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.sources[rng.integers(0, len(self.sources), count)]

    def upsampled(self, coarse: _Level, coarse_nnf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The coarser level's matches, doubled, as this level's starting matches."""
        r = PATCH_RADIUS
        ty, tx = np.divmod(self.targets, self.width)
        ty, tx = ty - r, tx - r
        cy = np.clip(ty // 2, 0, coarse.shape[0] - 1) + r
        cx = np.clip(tx // 2, 0, coarse.shape[1] - 1) + r
        coarse_target = coarse.target_index[cy * coarse.width + cx]
        found = coarse_target >= 0
        sy, sx = np.divmod(coarse_nnf[np.maximum(coarse_target, 0)], coarse.width)
        sy = np.clip(2 * (sy - r) + ty % 2, 0, self.shape[0] - 1) + r
        sx = np.clip(2 * (sx - r) + tx % 2, 0, self.shape[1] - 1) + r
        nnf = sy * self.width + sx
        usable = found & self.valid.ravel()[nnf]
        nnf[~usable] = self.random_sources(rng, int((~usable).sum()))
        return nnf

    def distances(self, target_patches: tuple[np.ndarray, np.ndarray], sources: np.ndarray) -> np.ndarray:
        """Sum of squared differences between the target patches and the patches at ``sources``,
        each pixel weighed by how well it is known."""
        colours, weights = target_patches
        difference = (self._patches(sources) - colours).reshape(weights.shape + (3,))
        return np.einsum("nrpc,nrpc,nrp->n", difference, difference, weights)

    def target_patches(self) -> tuple[np.ndarray, np.ndarray]:
        """The patches touching the hole as they are now, ``(targets, 7, 7 * 3)`` (a row of 7
        pixels a line), and how much each of their pixels counts, ``(targets, 7, 7)`` (summing to
        49)."""
        side = 2 * PATCH_RADIUS + 1
        weights = self.trust[self.targets[:, None] + self.offsets]
        weights *= len(self.offsets) / weights.sum(axis=1, keepdims=True)
        return self._patches(self.targets), weights.reshape(-1, side, side)

    def _patches(self, centres: np.ndarray) -> np.ndarray:
        """``(n, 7, 21)``: the patches centred at ``centres``, gathered a row of pixels at a time
        (seven gathers of 21 floats a patch instead of 49 of 3: half the time of the search)."""
        if self._rows is None:
            side = 2 * PATCH_RADIUS + 1
            windows = np.lib.stride_tricks.sliding_window_view(self.pixels, side, axis=0)  # (N - 6, 3, 7)
            self._rows = np.ascontiguousarray(windows.transpose(0, 2, 1)).reshape(len(windows), 3 * side)
        return self._rows[centres[:, None] + self.row_starts]

    def search(self, nnf: np.ndarray, rng: np.random.Generator, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """One round of PatchMatch: neighbours' matches shifted, then random search at halving
        radii from ``radius`` pixels; returns the improved matches and their distances."""
        patches = self.target_patches()
        best = self.distances(patches, nnf)
        valid = self.valid.ravel()
        for dy, dx in _NEIGHBOUR_STEPS:
            step = dy * self.width + dx
            neighbour = self.target_index[np.clip(self.targets + step, 0, len(valid) - 1)]
            has = neighbour >= 0
            candidate = nnf.copy()
            candidate[has] = nnf[neighbour[has]] - step
            candidate = np.clip(candidate, 0, len(valid) - 1)
            has &= valid[candidate]
            self._take(nnf, best, candidate, has, patches)
        sy, sx = np.divmod(nnf, self.width)
        while radius >= 1:
            cy = np.clip(sy + rng.integers(-radius, radius + 1, len(nnf)), 0, self.padded_shape[0] - 1)
            cx = np.clip(sx + rng.integers(-radius, radius + 1, len(nnf)), 0, self.padded_shape[1] - 1)
            candidate = cy * self.width + cx
            self._take(nnf, best, candidate, valid[candidate], patches)
            sy, sx = np.divmod(nnf, self.width)
            radius //= 2
        return nnf, best

    def _take(self, nnf: np.ndarray, best: np.ndarray, candidate: np.ndarray, usable: np.ndarray,
              patches: np.ndarray) -> None:
        ids = np.flatnonzero(usable)
        if not len(ids):
            return
        distance = self.distances((patches[0][ids], patches[1][ids]), candidate[ids])
        better = distance < best[ids]
        nnf[ids[better]] = candidate[ids[better]]
        best[ids[better]] = distance[better]

    def vote(self, nnf: np.ndarray, distance: np.ndarray, *, copy_centre: bool = False) -> None:
        """Every hole pixel becomes the weighted mean of what the patches covering it copy there,
        or, with ``copy_centre``, what its own patch's match has at its centre."""
        if copy_centre:
            self.pixels[self.hole_pixels] = self.pixels[nnf[self.target_index[self.hole_pixels]]]
            self._rows = None
            return
        per_pixel = distance / len(self.offsets)
        sigma2 = max(float(np.percentile(per_pixel, 75)), 1.0)
        weight = np.exp(-per_pixel / (2 * sigma2))
        total = np.zeros((len(self.hole_pixels), 3), np.float64)
        weights = np.zeros(len(self.hole_pixels), np.float64)
        for offset in self.offsets:
            target = self.target_index[self.hole_pixels - offset]  # the patch centred there covers the pixel
            has = target >= 0
            t = target[has]
            total[has] += weight[t, None] * self.pixels[nnf[t] + offset]
            weights[has] += weight[t]
        filled = weights > 0
        self.pixels[self.hole_pixels[filled]] = (total[filled] / weights[filled, None]).astype(np.float32)
        self._rows = None
