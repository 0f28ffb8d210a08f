"""The window's Propagate: every frame the first time, then only the frames a keyframe edit
changed (:mod:`core.roto.repropagation`), on the clip's cached flows; one undo step each time.

After an edit, with the clip refiner on, the frames come in two passes: a quick one, refined by
the refiner that learned the other keyframes as it is (seconds), then, in the background, the
whole one, where the refiner learns the edit and its own answers (half a minute on a CPU without
bfloat16, docs/benchmarks.md), stored as its own undo step ("Refine propagated masks") when
nothing changed meanwhile. Frames whose refining was cancelled or dropped are propagated again by
the next Propagate."""

from __future__ import annotations

from typing import Callable

from app.commands import PropagateCommand
from app.session import Session
from app.workers.tasks import propagate_task
from app.workers.threads import Job
from app.workers.tracker import JobTracker
from core.project import Project
from core.roto import project_roto_options
from core.roto.options import RotoOptions, refine_steps
from core.roto.repropagation import PropagationRecord, frames_to_repropagate, record_propagation

TITLE = "Propagating masks"
REFINE_TITLE = "Refining propagated masks"
UP_TO_DATE = "The propagated masks are up to date: no keyframe changed since the last propagation."
REFINING = "Masks shown; refining frames {first}-{last} in the background."
REFINED = "Refined the propagated masks of frames {first}-{last}."


class Propagation:
    """Propagate for one window; remembers what the last propagation of the project read and stored.

    window: its ``timeline`` draws each frame's certainty; notice: one line for the user (the
    status bar)."""

    def __init__(self, session: Session, jobs: JobTracker, window, notice: Callable[[str], None]) -> None:
        self.session, self.jobs, self.window, self.notice = session, jobs, window, notice
        self._last: tuple[Project, PropagationRecord] | None = None
        self._unrefined: tuple[Project, frozenset[int]] | None = None  # a quick pass's frames, not refined yet
        self._refining: Job | None = None

    def start(self) -> Job | None:
        """Rotoscope the frames whose masks are stale (every frame the first time); None when
        there is no project, a propagation is running or nothing changed (a refining still
        running then goes on). Cancels the refining of the last one when something changed (its
        frames are propagated again now)."""
        project = self.session.project
        if project is None or self.jobs.is_running(TITLE):
            return None
        options = project_roto_options(project)
        started = record_propagation(project, options)  # the keyframes the job reads
        last = self._last[1] if self._last is not None and self._last[0] is project else None
        frames = frames_to_repropagate(project, last, options)
        if frames == [] and self.refining is not None:  # nothing new: let it finish
            self.notice(REFINING.format(first=min(self._unrefined[1]), last=max(self._unrefined[1])))
            return None
        self._stop_refining()
        if frames is not None and self._unrefined is not None and self._unrefined[0] is project:
            frames = sorted(set(frames) | self._unrefined[1])
        if frames == []:
            self.notice(UP_TO_DATE)
            return None
        quick = frames is not None and refine_steps(options.refine_steps) > 0
        job = Job(TITLE, propagate_task(project, frames=frames, quick=quick))

        def store(results: tuple[dict, dict]) -> None:
            if self.session.project is not project:
                return
            self._store(project, results, "Propagate masks")
            self._last = (project, started.after_storing(project))
            self._unrefined = (project, frozenset(frames)) if quick else None
            if quick:
                self._refine(project, frames, options)

        return self.jobs.start(job, store)

    @property
    def refining(self) -> Job | None:
        """The background job refining the last quick pass, while it runs."""
        return self._refining if self._refining is not None and self._refining in self.jobs.jobs else None

    def _refine(self, project: Project, frames: list[int], options: RotoOptions) -> None:
        """The whole pass after a quick one, in the background; its masks replace the quick ones
        only if no mask or keyframe changed since they were stored."""
        quick_record = self._last[1]
        self.notice(REFINING.format(first=frames[0], last=frames[-1]))

        def store(results: tuple[dict, dict]) -> None:
            if self.session.project is not project or record_propagation(project, options) != quick_record:
                return  # edited meanwhile: the frames stay unrefined, the next Propagate does them
            self._store(project, results, "Refine propagated masks")
            self._last = (project, quick_record.after_storing(project))
            self._unrefined = None
            self.notice(REFINED.format(first=frames[0], last=frames[-1]))

        self._refining = self.jobs.start(Job(REFINE_TITLE, propagate_task(project, frames=frames)), store)

    def _stop_refining(self) -> None:
        job = self.refining
        if job is not None:
            job.cancel()
        self._refining = None

    def _store(self, project: Project, results: tuple[dict, dict], title: str) -> None:
        masks_by_object, certainty = results
        stack = self.session.undo_stack
        stack.beginMacro(title)
        for oid, masks in masks_by_object.items():
            if any(o.id == oid for o in project.objects):
                self.session.push(PropagateCommand(project, self.session.object_ref(oid), masks))
        stack.endMacro()
        # unsure frames red; U jumps to the least sure (frames not propagated again keep theirs)
        timeline = self.window.timeline
        timeline.set_certainty({oid: {**timeline.certainty.get(oid, {}), **values}
                                for oid, values in certainty.items()})
