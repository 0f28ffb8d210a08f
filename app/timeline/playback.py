"""Play, pause and shuttle (J / K / L) through the clip at its frame rate."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.session import Session

MAX_SPEED = 16


class Playback(QObject):
    speedChanged = Signal(int)  # frames per tick: 0 paused, negative backwards

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self.speed = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        session.projectReplaced.connect(self.pause)

    @property
    def playing(self) -> bool:
        return self.speed != 0

    def toggle(self) -> None:
        self.pause() if self.playing else self._set_speed(1)

    def forward(self) -> None:
        """L: play forward; again: twice as fast."""
        self._set_speed(1 if self.speed <= 0 else min(self.speed * 2, MAX_SPEED))

    def reverse(self) -> None:
        """J: play backwards; again: twice as fast."""
        self._set_speed(-1 if self.speed >= 0 else max(self.speed * 2, -MAX_SPEED))

    def pause(self) -> None:
        self._set_speed(0)

    def step(self, frames: int) -> None:
        self.pause()
        self.session.set_frame(self.session.frame + frames)

    def go_to(self, frame: int) -> None:
        self.pause()
        self.session.set_frame(frame)

    def _set_speed(self, speed: int) -> None:
        project = self.session.project
        if project is None:
            speed = 0
        if speed and not self._timer.isActive():
            if speed > 0 and self.session.frame >= self.session.frame_count - 1:
                self.session.set_frame(0)  # play from the start rather than not at all
            elif speed < 0 and self.session.frame == 0:
                self.session.set_frame(self.session.frame_count - 1)
            self._timer.start(max(1, round(1000 / float(project.clip.frame_rate))))
        elif not speed:
            self._timer.stop()
        if speed != self.speed:
            self.speed = speed
            self.speedChanged.emit(speed)

    def _tick(self) -> None:
        target = self.session.frame + self.speed
        last = self.session.frame_count - 1
        self.session.set_frame(min(max(target, 0), last))
        if not 0 <= target <= last:
            self.pause()
