"""How long the Training panel's run takes: said beforehand (``core.train.finetune_estimate``,
from the masked frames and the options) and, while it runs, from the time per step measured so far,
with the memory the window holds."""

from __future__ import annotations

import time

from app.status_bar import process_rss_bytes


def masked_frame_count(project) -> int:
    """Frames with a mask of any object: what fine-tuning trains on."""
    return len(set().union(*(project.mask_frames(o.id) for o in project.objects))) if project.objects else 0


def estimate_on(project, options):
    """``core.train.finetune_estimate.Estimate`` of a run of ``options`` (a model that corrects the
    flow fill) on ``project``'s masked frames; None when it has none."""
    from core.train.finetune_estimate import estimate

    frames = masked_frame_count(project)
    if frames == 0:
        return None
    return estimate(frames, options.steps, batch=options.batch, crop=options.crop,
                    frame_height=options.frame_height, aspect=project.clip.width / project.clip.height)


class MeasuredPace:
    """The time left at the rate measured so far, from the moment each step was reported."""

    def __init__(self) -> None:
        self.step_times: list[tuple[int, float]] = []  # (step, time.monotonic())
        self.started = time.monotonic()

    def clear(self) -> None:
        """A new run starts now."""
        self.step_times = []
        self.started = time.monotonic()

    def record(self, step: int) -> None:
        self.step_times.append((step, time.monotonic()))

    def describe(self, step: int, options, aspect: float) -> str | None:
        """``Measured 1.2 s per step, the window holding 1.8 GB: about 3 minutes left.`` for a run of
        ``options`` at ``step``; None until three steps were seen (the first pays for warming up)."""
        per_step = self.seconds_per_step()
        if per_step is None:
            return None
        from core.train.finetune_estimate import describe_seconds, remaining

        left = remaining(step, options.steps, per_step, frame_height=options.frame_height, aspect=aspect)
        rss = process_rss_bytes()  # the whole window's: what the machine has to hold while it trains
        memory = f", the window holding {rss / 1e9:.1f} GB" if rss else ""
        return f"Measured {per_step:.1f} s per step{memory}: about {describe_seconds(left)} left."

    def describe_finished(self) -> str | None:
        """``Took about 6 minutes (3.9 s per step).`` once the run ended: the time left it said last
        ("about 5 seconds left") would stay on a finished run. None before three steps."""
        per_step = self.seconds_per_step()
        if per_step is None:
            return None
        from core.train.finetune_estimate import describe_seconds

        took = self.step_times[-1][1] - self.started
        return f"Took about {describe_seconds(took)} ({per_step:.1f} s per step)."

    def seconds_per_step(self) -> float | None:
        """Measured from the second step on (the first pays for warming up); None before three."""
        if len(self.step_times) < 3:
            return None
        (first, t0), (last, t1) = self.step_times[1], self.step_times[-1]
        return (t1 - t0) / max(last - first, 1)
