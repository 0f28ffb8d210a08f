"""The window's Propagate: every frame the first time, then only the frames a keyframe edit
changed (:mod:`core.roto.repropagation`), on the clip's cached flows and with the clip refiner
warm-started from the one that learned the other keyframes; one undo step each time."""

from __future__ import annotations

from typing import Callable

from app.commands import PropagateCommand
from app.session import Session
from app.workers.tasks import propagate_task
from app.workers.threads import Job
from app.workers.tracker import JobTracker
from core.project import Project
from core.roto import project_roto_options
from core.roto.repropagation import PropagationRecord, frames_to_repropagate, record_propagation

TITLE = "Propagating masks"
UP_TO_DATE = "The propagated masks are up to date: no keyframe changed since the last propagation."


class Propagation:
    """Propagate for one window; remembers what the last propagation of the project read and stored.

    window: its ``timeline`` draws each frame's certainty; notice: one line for the user (the
    status bar)."""

    def __init__(self, session: Session, jobs: JobTracker, window, notice: Callable[[str], None]) -> None:
        self.session, self.jobs, self.window, self.notice = session, jobs, window, notice
        self._last: tuple[Project, PropagationRecord] | None = None

    def start(self) -> Job | None:
        """Rotoscope the frames whose masks are stale (every frame the first time); None when
        there is no project, a propagation is running or nothing changed."""
        project = self.session.project
        if project is None or self.jobs.is_running(TITLE):
            return None
        options = project_roto_options(project)
        started = record_propagation(project, options)  # the keyframes the job reads
        last = self._last[1] if self._last is not None and self._last[0] is project else None
        frames = frames_to_repropagate(project, last, options)
        if frames == []:
            self.notice(UP_TO_DATE)
            return None
        job = Job(TITLE, propagate_task(project, frames=frames))

        def store(results: tuple[dict, dict]) -> None:
            if self.session.project is not project:
                return
            masks_by_object, certainty = results
            stack = self.session.undo_stack
            stack.beginMacro("Propagate masks")
            for oid, masks in masks_by_object.items():
                if any(o.id == oid for o in project.objects):
                    self.session.push(PropagateCommand(project, self.session.object_ref(oid), masks))
            stack.endMacro()
            # unsure frames red; U jumps to the least sure (frames not propagated again keep theirs)
            timeline = self.window.timeline
            timeline.set_certainty({oid: {**timeline.certainty.get(oid, {}), **values}
                                    for oid, values in certainty.items()})
            self._last = (project, started.after_storing(project))

        return self.jobs.start(job, store)
