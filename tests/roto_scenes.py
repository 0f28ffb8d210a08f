"""Synthetic clips for the rotoscoping tests: textured squares sliding over a textured background."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

HEIGHT, WIDTH = 120, 160


def texture(seed: int, height: int, width: int) -> np.ndarray:
    """Smooth random RGB texture ``(H, W, 3)`` uint8 that optical flow can lock onto."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (height // 4 + 1, width // 4 + 1, 3), dtype=np.uint8)
    return cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)


class SlidingSquares:
    """Squares of ``size`` px, each starting at ``(x, y)`` and moving ``(dx, dy)`` px per frame."""

    def __init__(self, squares: list[tuple[int, int, int, int]], size: int = 32, frame_count: int = 10) -> None:
        self.squares = squares
        self.size = size
        self.frame_count = frame_count
        self.background = texture(0, HEIGHT, WIDTH)
        self.patches = [texture(i + 1, size, size) for i in range(len(squares))]

    def frame(self, index: int) -> np.ndarray:
        image = self.background.copy()
        for (x, y), patch in zip(self.positions(index), self.patches):
            image[y : y + self.size, x : x + self.size] = patch
        return image

    def mask(self, index: int, which: int = 0) -> np.ndarray:
        """Visible pixels of square ``which`` (later squares are drawn on top)."""
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        positions = self.positions(index)
        x, y = positions[which]
        mask[y : y + self.size, x : x + self.size] = 255
        for ox, oy in positions[which + 1 :]:
            mask[oy : oy + self.size, ox : ox + self.size] = 0
        return mask

    def positions(self, index: int) -> list[tuple[int, int]]:
        return [(x + dx * index, y + dy * index) for x, y, dx, dy in self.squares]


class PanningObjectWithPole:
    """A camera panning over a textured wall while a textured box carrying a thin pole moves across it.

    The box is ``box`` px square, the pole ``pole_width`` px wide and ``pole_length`` px long,
    sticking up from the box's top edge (a racket handle, a bike's fork): the thin structure that
    flow fields smooth away. The wall moves ``pan`` px per frame, the object ``motion`` px per frame
    (both ``(dx, dy)``), so the object moves against its background.
    """

    def __init__(self, frame_count: int = 12, pan=(-2, 0), motion=(3, 1), box: int = 28,
                 pole_width: int = 3, pole_length: int = 26) -> None:
        self.frame_count = frame_count
        self.pan, self.motion = pan, motion
        self.box, self.pole_width, self.pole_length = box, pole_width, pole_length
        margin = 4 * frame_count
        self.wall = texture(10, HEIGHT + 2 * margin, WIDTH + 2 * margin)
        self.margin = margin
        self.object_texture = texture(11, box + pole_length, box)

    def frame(self, index: int) -> np.ndarray:
        ox = self.margin - self.pan[0] * index
        oy = self.margin - self.pan[1] * index
        image = self.wall[oy : oy + HEIGHT, ox : ox + WIDTH].copy()
        shape = self.mask(index) > 0
        x, y = self._origin(index)
        patch = np.zeros_like(image)
        patch[y : y + self.box + self.pole_length, x : x + self.box] = self.object_texture
        image[shape] = patch[shape]
        return image

    def mask(self, index: int) -> np.ndarray:
        """The whole object (box and pole), ``(H, W)`` uint8 0/255."""
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        x, y = self._origin(index)
        mask[y + self.pole_length : y + self.pole_length + self.box, x : x + self.box] = 255
        pole_x = x + self.box // 2 - self.pole_width // 2
        mask[y : y + self.pole_length, pole_x : pole_x + self.pole_width] = 255
        return mask

    def pole_region(self, index: int) -> np.ndarray:
        """bool ``(H, W)``: a box around the pole (3 px to each side), where only the pole is object."""
        region = np.zeros((HEIGHT, WIDTH), bool)
        x, y = self._origin(index)
        pole_x = x + self.box // 2 - self.pole_width // 2
        region[y : y + self.pole_length - 2, pole_x - 3 : pole_x + self.pole_width + 3] = True
        return region

    def _origin(self, index: int) -> tuple[int, int]:
        return 20 + self.motion[0] * index, 20 + self.motion[1] * index


class SingerAtBrickWall:
    """The music-video kind of clip: a person (head and torso) in front of a static brick wall,
    swaying a few pixels and walking slowly towards a handheld camera (the wall shakes by up to
    ``shake`` px a frame, sensor noise on top). Sharp mortar lines are where a background
    difference misaligned by a pixel looks like an object.

    ``painted_keyframe(0)`` is the person's mask with brush overhang onto the wall (two strokes
    past the head and the shoulder, 2 % of the frame), as a new user paints it.
    """

    def __init__(self, frame_count: int = 16, width: int = 96, height: int = 72, shake: float = 2.0,
                 sway: float = 5.0, growth: float = 0.05, noise: float = 6.0) -> None:
        self.frame_count, self.width, self.height = frame_count, width, height
        self.shake, self.sway, self.growth, self.noise = shake, sway, growth, noise
        self.wall = brick_wall(height, width, np.random.default_rng(0))
        rng = np.random.default_rng(1)
        self.clothes = cv2.resize(rng.integers(20, 120, (8, 6, 3)).astype(np.uint8), (width, height),
                                  interpolation=cv2.INTER_CUBIC)

    def mask(self, index: int) -> np.ndarray:
        """The person, ``(H, W)`` uint8 0/255."""
        mask = np.zeros((self.height, self.width), np.uint8)
        scale = 1.0 + self.growth * index
        cx = round(self.width / 2 + self.sway * np.sin(index / 2))
        cv2.circle(mask, (cx, round(22 - 8 * scale)), round(7 * scale), 255, -1)  # head
        cv2.ellipse(mask, (cx, round(22 + 24 * scale)), (round(15 * scale), round(22 * scale)), 0, 0, 360, 255, -1)
        return mask

    def frame(self, index: int) -> np.ndarray:
        shift = np.random.default_rng(200 + index).uniform(-self.shake, self.shake, 2)
        size = (self.width, self.height)
        image = cv2.warpAffine(self.wall, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), size,
                               borderMode=cv2.BORDER_REFLECT)
        zoom = cv2.getRotationMatrix2D((self.width / 2, 22), 0, 1.0 + self.growth * index)
        clothes = cv2.warpAffine(self.clothes, zoom, size, borderMode=cv2.BORDER_REFLECT)
        person = self.mask(index) > 0
        image[person] = clothes[person]
        noise = np.random.default_rng(100 + index).normal(0, self.noise, image.shape)
        return np.clip(image + noise, 0, 255).astype(np.uint8)

    def painted_keyframe(self, index: int = 0) -> np.ndarray:
        """The person's mask with brush overhang onto the wall."""
        mask = self.mask(index)
        cx = self.width // 2
        cv2.line(mask, (cx + 12, 30), (cx + 19, 46), 255, 7)
        cv2.line(mask, (cx - 6, 12), (cx - 12, 26), 255, 6)
        return mask


def brick_wall(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Red bricks 16x8 px of varying shade in running bond, 1 px light mortar, grain: ``(H, W, 3)`` uint8."""
    wall = np.zeros((height, width, 3), np.float32)
    mortar = (200, 195, 185)
    for row in range(height // 8 + 1):
        offset = (row % 2) * 8
        for col in range(-1, width // 16 + 2):
            y0, x0 = row * 8, col * 16 + offset
            x_from, x_to = max(0, x0), max(0, x0 + 16)
            wall[y0 : y0 + 8, x_from:x_to] = np.array([150, 70, 50]) + rng.integers(-25, 26, 3)
            wall[y0 : y0 + 1, x_from:x_to] = mortar
            if 0 <= x0 < width:
                wall[y0 : y0 + 8, x0] = mortar
    wall += rng.normal(0, 6, wall.shape)
    return np.clip(wall, 0, 255).astype(np.uint8)


class BoatWithReflection:
    """A textured hull sliding right over a static textured background with its reflection below
    it: the background darkened to ``dark`` of its brightness in a band that moves with the hull.
    The reflection differs from the background as much as an object would and moves with the
    object, so a background difference alone calls it object (DAVIS boat, issue 15)."""

    def __init__(self, frame_count: int = 16, dark: float = 0.8, speed: int = 3) -> None:
        self.frame_count, self.dark, self.speed = frame_count, dark, speed
        self.background = texture(0, HEIGHT, WIDTH)
        self.hull = texture(5, 24, 40)

    def mask(self, index: int) -> np.ndarray:
        """The hull, ``(H, W)`` uint8 0/255 (the reflection is not object)."""
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        x = self._x(index)
        mask[40:64, x : x + 40] = 255
        return mask

    def frame(self, index: int) -> np.ndarray:
        image = self.background.copy()
        x = self._x(index)
        reflection = image[64:84, x + 4 : x + 36]
        image[64:84, x + 4 : x + 36] = (reflection * self.dark).astype(np.uint8)
        image[40:64, x : x + 40] = self.hull
        return image

    def _x(self, index: int) -> int:
        return 16 + self.speed * index


def write_clip_folder(folder: Path, scene, frame_count: int) -> Path:
    """``folder/frames`` and ``folder/masks`` (DAVIS layout, PNGs) of ``scene``'s first frames."""
    for sub in ("frames", "masks"):
        (folder / sub).mkdir(parents=True)
    for index in range(frame_count):
        cv2.imwrite(str(folder / "frames" / f"{index:05d}.png"), cv2.cvtColor(scene.frame(index), cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(folder / "masks" / f"{index:05d}.png"), scene.mask(index))
    return folder
