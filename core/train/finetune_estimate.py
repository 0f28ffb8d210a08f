"""How long fine-tuning the shipped model on a clip takes, and how much memory it needs, said
before it starts (the window's Training panel; issue 13: a laptop must know what it is in for).

The defaults that fit a laptop are here too, since the figures were measured at them: 200 steps
of batch 4 on 192 px crops of frames scaled to 240 px high, learning rate 3e-4.

Measured on this project's development machine (2 CPU cores of an AMD EPYC with native
bfloat16, PyTorch's 2 threads, bf16 autocast; the cores were shared with another training run,
so a free laptop of the same class is faster, not slower), on a 480p synthetic clip whose object
is masked on every frame, with the ``cpu`` preset (1.7 M parameters):

========================================  ==========================================
reading a masked frame (480p PNG, scaled)  0.008 s
one training hole (its flow fill)          0.25 s + 0.011 s per masked frame, at 427x240
one held-out example scored                0.8 s at 427x240 (4 examples per validation)
first validation's warm-up                 20 s
one optimizer step, batch 4, 192 px        2.1 s (2.07 s of CPU time)
memory beyond Python + PyTorch (0.8 GB)    75 MB + 3.9 MB per masked frame at 427x240
                                           + 145 MB + 145 MB per sample of 192x192
========================================  ==========================================

100 masked frames at 480p: about 8 minutes and 2.1 GB; 30 frames: about 8 minutes and 1.8 GB
(the steps dominate). Short whole runs on this machine took 1 to 2 times the estimate as the
other run's load came and went. Times scale with the frame's pixels (holes, validation) and the batch's pixels (steps), and are
divided by the square root of the cores over 2 on a bigger machine (an assumption, not
measured). Once training runs, :func:`remaining` replaces the guess with the measured rate.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import NamedTuple

MB = 2**20


@dataclass(frozen=True)
class LaptopDefaults:
    """Fine-tuning defaults for a model that corrects the flow fill (the shipped one)."""

    steps: int = 200
    batch: int = 4
    lr: float = 3e-4
    crop: tuple[int, int] = (192, 192)  # (H, W) pixels
    frame_height: int = 240  # pixels; frames are scaled to this height first


LAPTOP = LaptopDefaults()

# what finetune_residual does (tests/train/test_finetune_estimate.py checks they still agree)
TRAINING_HOLES = 20  # TRAIN_EXAMPLES: 4 tracks x 5 targets
HELD_OUT_HOLES = 4  # HELD_OUT_EXAMPLES: 1 track x 4 targets
VALIDATE_EVERY = 50  # steps
MAX_FRAMES = 600  # project_footage reads at most this many masked frames

# measured (see the module docstring)
REFERENCE_PIXELS = 427 * 240  # a 16:9 frame 240 px high
REFERENCE_SAMPLE = 4 * 192 * 192  # batch x crop pixels
MEASURED_CORES = 2
READ_S_PER_FRAME = 0.008
HOLE_S = 0.25
HOLE_S_PER_FRAME = 0.011
VALIDATE_S_PER_EXAMPLE = 0.8
WARM_UP_S = 20.0
STEP_S = 2.1
BASE_BYTES = 800 * MB  # Python, PyTorch and OpenCV loaded
DATA_BYTES = 75 * MB
BYTES_PER_FRAME = 3.9 * MB
TRAIN_BYTES = 145 * MB
BYTES_PER_SAMPLE = 145 * MB  # one 192x192 sample of the batch


class Estimate(NamedTuple):
    seconds: float
    bytes: int

    def describe(self) -> str:
        """``"about 8 minutes and 2.0 GB of memory"``."""
        return f"about {describe_seconds(self.seconds)} and {self.bytes / 1e9:.1f} GB of memory"


def estimate(frames: int, steps: int = LAPTOP.steps, *, batch: int = LAPTOP.batch,
             crop: tuple[int, int] = LAPTOP.crop, frame_height: int = LAPTOP.frame_height,
             aspect: float = 16 / 9, cores: int | None = None) -> Estimate:
    """``(seconds, bytes)`` to fine-tune the shipped model on ``frames`` masked frames for
    ``steps`` steps on the CPU: the whole run (reading, the holes' flow fills, validation,
    training) and the process's peak memory.

    aspect: the clip's width over its height; cores: the CPU cores (default: this machine's).
    """
    frames = max(0, min(int(frames), MAX_FRAMES))
    pixels = frame_height * frame_height * aspect / REFERENCE_PIXELS
    sample = crop[0] * crop[1] / (192 * 192)
    speed = math.sqrt(max(cores or os.cpu_count() or MEASURED_CORES, MEASURED_CORES) / MEASURED_CORES)
    holes = (TRAINING_HOLES + HELD_OUT_HOLES) * (HOLE_S + HOLE_S_PER_FRAME * frames) * pixels
    validations = 2 + math.ceil(steps / VALIDATE_EVERY)  # before, every 50 steps and the last, after
    scoring = validations * HELD_OUT_HOLES * VALIDATE_S_PER_EXAMPLE * pixels
    training = steps * STEP_S * batch * crop[0] * crop[1] / REFERENCE_SAMPLE
    seconds = READ_S_PER_FRAME * frames + (holes + scoring + WARM_UP_S + training) / speed
    memory = (BASE_BYTES + DATA_BYTES + BYTES_PER_FRAME * frames * pixels + TRAIN_BYTES
              + BYTES_PER_SAMPLE * batch * sample)
    return Estimate(seconds, int(memory))


def remaining(step: int, steps: int, seconds_per_step: float, *, frame_height: int = LAPTOP.frame_height,
              aspect: float = 16 / 9, cores: int | None = None) -> float:
    """Seconds left once training runs: the steps left at the measured rate (which already
    includes the validations every 50 steps), then the last scoring of the held-out holes."""
    pixels = frame_height * frame_height * aspect / REFERENCE_PIXELS
    speed = math.sqrt(max(cores or os.cpu_count() or MEASURED_CORES, MEASURED_CORES) / MEASURED_CORES)
    return max(0, steps - step) * seconds_per_step + HELD_OUT_HOLES * VALIDATE_S_PER_EXAMPLE * pixels / speed


def describe_seconds(seconds: float) -> str:
    """``"40 seconds"``, ``"8 minutes"``, ``"1 hour 20 minutes"``."""
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5)} seconds"  # never "1 seconds": the steps are of 5
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} hour{'s' if hours != 1 else ''}" + (f" {minutes} minutes" if minutes else "")
