"""The toolbar's clip-wide work: propagate masks, remove objects, fix a frame by hand, export,
settings and relinking. Long work runs as jobs; results come back as undoable commands."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from app.commands import SetContentKeyframeCommand, UpdateSettingsCommand
from app.dialogs.export_dialog import ExportDialog
from app.dialogs.settings_dialog import SettingsDialog
from app.propagation import Propagation
from app.session import Session
from app.workers.tasks import ExportOptions, export_task, remove_clip_task
from app.workers.threads import Job
from app.workers.training import FinetuneChoice, FinetuneReports, finetune_task
from app.workers.tracker import JobTracker
from core.content_frame import read_content_frame
from core.errors import KeyfillError
from core.render.options import RemovalOptions

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"
MODEL_FILTER = "Keyfill models (*.pt);;All files (*)"


class ClipOperations(QObject):
    noticed = Signal(str)  # a job went another way than asked (e.g. the flow fill instead of the network)

    def __init__(self, session: Session, jobs: JobTracker, settings: QSettings, window: QWidget) -> None:
        super().__init__(window)
        self.session, self.jobs, self.settings, self.window = session, jobs, settings, window
        self.export_dialog: ExportDialog | None = None
        self.propagation = Propagation(session, jobs, window, self.noticed.emit)

    def propagate(self) -> Job | None:
        """Rotoscope every object from its keyframes (``core.roto``), after a keyframe edit only
        the frames it changed (:mod:`app.propagation`); one undo step."""
        return self.propagation.start()

    def remove_whole_clip(self) -> Job | None:
        """Render the removal of every frame into the cleaned frames kept for the preview (``core.render``)."""
        project, cache = self.session.project, self.session.render_cache
        if project is None or self.jobs.is_running("Removing objects"):
            return None
        job = Job("Removing objects", remove_clip_task(project, cache, removal=self.removal_options(),
                                                       notice=self.noticed.emit))
        job.progressed.connect(lambda *_: self.session.mark_rendered())

        # frames are kept under the keys of the project as it was when Remove started: an edit made
        # meanwhile gave the frames it reaches other keys, so they do not show as ready
        return self.jobs.start(job, lambda revision: self.session.mark_rendered(),
                               on_cancel=self.session.mark_rendered)

    def fix_frame(self, path: str | Path | None = None) -> None:
        """Use an image as the current frame's content (a content keyframe)."""
        project = self.session.project
        if project is None:
            return
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, f"Replacement for frame {self.session.frame}",
                                                  "", IMAGE_FILTER)
            if not path:
                return
        image = read_content_frame(path, project.clip.width, project.clip.height)
        self.session.push(SetContentKeyframeCommand(project, self.session.frame, image))

    def export(self) -> ExportDialog | None:
        project = self.session.project
        if project is None:
            return None
        self.export_dialog = ExportDialog(project, self.start_export, self.window, settings=self.settings)
        self.export_dialog.open()
        return self.export_dialog

    def start_export(self, options: ExportOptions) -> Job:
        job = Job("Exporting", export_task(self.session.project, options, removal=self.removal_options(),
                                           notice=self.noticed.emit, cleaned=self.session.render_cache))
        job.progressed.connect(lambda *_: self.session.mark_rendered())  # the exported frames are kept for the preview
        return self.jobs.start(job, lambda written: self.session.mark_rendered())

    def edit_settings(self) -> SettingsDialog:
        project = self.session.project
        dialog = SettingsDialog(self.device_preference(), project.settings.working_width if project else None,
                                project.settings.removal_method if project else None, self.window,
                                refine_outlines=project.settings.refine_outlines if project else None,
                                fill_texture=project.settings.fill_texture if project else None)

        def apply() -> None:
            device, width, method = dialog.values()
            refine, texture = dialog.refine_outlines(), dialog.fill_texture()
            self.settings.setValue("device", device)
            self.window.status.set_device_preference(device)
            self.window.viewer.set_render_options(device=device)
            self.session.set_device(device)  # frames rendered on the other device are not shown
            if project is None or project is not self.session.project:
                return
            changes = {key: value for key, value in (("working_width", width), ("removal_method", method),
                                                     ("refine_outlines", refine), ("fill_texture", texture))
                       if getattr(project.settings, key) != value}
            if changes:
                self.session.push(UpdateSettingsCommand(project, **changes))

        dialog.accepted.connect(apply)
        dialog.open()
        return dialog

    def removal_options(self) -> RemovalOptions:
        """What the window's removals run with: the device preference and the model file chosen (the
        project's method; its own tuned weights win, :func:`core.render.model_finder.project_model`)."""
        return RemovalOptions(model_path=self.model_path(), device=self.device_preference())

    def device_preference(self) -> str:
        return str(self.settings.value("device", "auto"))

    # --- the removal network ---------------------------------------------------------------
    def model_path(self) -> Path | None:
        """The model file the preview, Remove and Export use: the weights the open project was
        fine-tuned to (its ``removal_model`` setting), else the one chosen with File › Load removal
        model, else None for core's default (``$KEYFILL_MODEL``, else the shipped model)."""
        from app.workers.render import removal_model_for

        return removal_model_for(self.session.project, self.chosen_model())

    def chosen_model(self) -> Path | None:
        """The model file chosen with File › Load removal model (the app's settings), or None."""
        value = self.settings.value("removal/model", "")
        return Path(value) if value else None

    def installed_model(self) -> Path | None:
        """The model file the removal would load, if there is one."""
        from core.render.model_finder import model_path

        path = model_path(self.model_path())
        return path if path.is_file() else None

    def shipped_model(self) -> Path | None:
        """Where fine-tuning starts: the model the removal uses without tuned weights (File › Load
        removal model's, ``$KEYFILL_MODEL``, else ``resources/models/keyfill-base.pt``), if it is there."""
        from core.render.model_finder import model_path

        path = model_path(self.chosen_model())
        return path if path.is_file() else None

    def set_model_path(self, path: Path | None) -> None:
        self.settings.setValue("removal/model", str(path) if path else "")
        self.window.viewer.set_render_options(model_path=path)
        self.session.set_chosen_model(path)  # frames rendered by the other model are not shown

    def load_model(self, path: str | Path | None = None) -> Path | None:
        """File › Load removal model: the network file the preview, Remove and Export use from now on
        (kept in the app's settings). It is read by the workers; one that does not load is said
        there, and the flow fill is used. The open project's own tuned weights are set aside
        (one undo step), since they would win over it."""
        if path is None:
            from core.render.model_finder import model_path

            path, _ = QFileDialog.getOpenFileName(self.window, "Load removal model", str(model_path(self.model_path())),
                                                  MODEL_FILTER)
            if not path:
                return None
        path = Path(path)
        if not path.is_file():
            raise KeyfillError(f"{path} does not exist; choose a .pt file written by Keyfill's training.")
        self.set_model_path(path)
        self.use_tuned_weights(None, "Set aside the weights tuned on this clip")
        self.noticed.emit(f"The removal now uses {path.name} (preview, Remove object and Export).")
        return path

    def use_tuned_weights(self, path: Path | None, text: str | None = None) -> None:
        """Make ``path`` the open project's own removal model, saved with it (None: none, the
        window's model is used again); one undo step. The preview and the export follow the
        project's setting. The same file again (rewritten by another run) is read again, without
        an undo step."""
        project = self.session.project
        if project is None:
            return
        value = str(path) if path else ""
        if project.settings.removal_model == value:
            if value:
                project.update_settings(removal_model=value)  # a settings change: the preview renders again
            return
        command = UpdateSettingsCommand(project, removal_model=value)
        command.setText(text or ("Use the weights tuned on this clip" if value else "Use the shipped weights"))
        self.session.push(command)

    def use_shipped_weights(self) -> None:
        """Back to the shipped model: the project's tuned weights set aside (undoable) and File ›
        Load removal model's choice forgotten."""
        if self.chosen_model() is not None:
            self.set_model_path(None)
        self.use_tuned_weights(None)

    def start_finetune(self, options: FinetuneChoice, reports: FinetuneReports = FinetuneReports()) -> Job:
        """Fine-tune on the open project (``core.train``); ``reports`` hear the run from the job's
        thread. Raises a KeyfillError for a model file that would replace an input."""
        return self.jobs.start(Job("Fine-tuning", finetune_task(self.session.project, options, reports=reports)))

    def relink(self) -> None:
        project = self.session.project
        if project is None:
            return
        path, _ = QFileDialog.getOpenFileName(self.window, f"Where is {project.clip.path.name}?", "", "All files (*)")
        if not path:
            return

        def run(progress, cancel):
            from core.project.from_clip import clip_ref
            from core.video import probe

            return clip_ref(probe(path))

        def relinked(clip) -> None:
            try:
                project.relink(clip)  # refuses a clip of another size or length
            except KeyfillError as exc:
                self.jobs.failed.emit("Relinking", str(exc))
                return
            self.session.set_project(project)  # restart the workers on the new file

        self.jobs.start(Job("Relinking", run), relinked)
