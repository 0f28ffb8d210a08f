"""The long operations the window runs as jobs: each returns ``fn(progress, cancel)`` calling core.

Inputs the job needs from the project (keyframe masks, a snapshot) are taken when the task is
made, on the window's thread; the job opens its own clip reader (readers are per thread).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from app.workers.frames import open_reader
from core.export import ExportSettings
from core.project import SUFFIX, Project, load_project, save_project
from core.project.mask_coverage import check_removal_masks
from core.project_snapshot import snapshot
from core.cleaned_frames import CleanedFrames, FrameKeys, kept_frames
from core.render.options import RemovalOptions

THUMBNAIL_HEIGHT = 48
Notice = Callable[[str], None]  # one line for the user; called from the job's thread


def mask_folder_beside(path: Path) -> Path | None:
    """``<stem>_masks/`` beside a clip (or ``<name>_masks/`` beside an image folder), if present."""
    folder = path.with_name(f"{path.stem if path.is_file() else path.name}_masks")
    return folder if folder.is_dir() else None


def open_task(path: str | Path):
    """Open a ``.keyfill`` project, or start one from a clip / image folder (with its masks). A
    saved project's flows are found beside it (:func:`core.flow.project_flows`): its propagation,
    removal and preview do not compute them again."""
    path = Path(path)

    def run(progress, cancel) -> Project:
        if path.suffix.lower() == SUFFIX:
            from core.flow import project_flows

            project = load_project(path)
            project_flows(project)
            return project
        from core.project.from_clip import project_with_masks
        from core.video import probe

        progress(0, 1, f"Opening {path.name}")
        return project_with_masks(probe(path), mask_folder_beside(path))

    return run


def recover_task(autosave: Path, path: str | Path):
    """Open the work a crash left in ``autosave`` as unsaved changes to ``path`` (a ``.keyfill`` or
    the clip of a project never saved); an autosave of another clip of the same name opens ``path``."""
    path = Path(path)

    def run(progress, cancel) -> Project:
        from core.project.recovery import recover_autosave

        progress(0, 1, f"Recovering {path.name}")
        project = recover_autosave(autosave, path)
        if path.suffix.lower() != SUFFIX and project.clip.path.resolve() != path.resolve():
            return open_task(path)(progress, cancel)
        return project

    return run


def thumbnails_task(clip: Path, count: int, opener: Callable = open_reader):
    def run(progress, cancel) -> list[np.ndarray]:
        with opener(clip) as reader:
            return reader.thumbnails(count, THUMBNAIL_HEIGHT, cancel=cancel)

    return run


def propagate_task(project: Project, opener: Callable = open_reader, *, frames: list[int] | None = None,
                   quick: bool = False):
    """Rotoscope every object that has keyframes: ``({object_id: {frame: mask}}, {object_id: {frame:
    certainty 0..1}})`` (keyframes left out; the certainty is drawn on the timeline).

    frames: only these (after a keyframe edit, :func:`core.roto.repropagation.frames_to_repropagate`);
    None: every frame. quick: the clip refiner refines as it was kept, without learning
    (``RotoOptions.refiner_learns``). The flows are the clip's shared cache, beside the project
    once it is saved."""
    from core.flow import clip_flows
    from core.roto import project_keyframes, project_roto_options, propagated_project_results
    from core.roto.project_roto import propagated_masks_and_certainty

    keyframes = project_keyframes(project)  # fails now, on the window's thread, not in the job
    clip, options, project_path = project.clip, project_roto_options(project), project.path
    options = dataclasses.replace(options, refiner_learns=False) if quick else options

    def run(progress, cancel) -> tuple[dict[int, dict[int, np.ndarray]], dict[int, dict[int, float]]]:
        from core.roto.refiner_store import keep_refiners, restore_refiners

        flows = clip_flows(clip.path, (clip.width, clip.height), clip.frame_count, project_path)
        restore_refiners(project_path)  # a reopened project's refiners, kept beside it
        with opener(clip.path) as reader:
            results = propagated_project_results(keyframes, reader.frame, clip.frame_count, options=options,
                                                 frames=frames, flows=flows, progress=progress, cancel=cancel)
            if options.refiner_learns:
                keep_refiners(project_path, reader.frame, keyframes)
        return propagated_masks_and_certainty(results)

    return run


def remove_clip_task(project: Project, cache: CleanedFrames, opener: Callable = open_reader, *,
                     removal: RemovalOptions = RemovalOptions(), notice: Notice = lambda message: None):
    """Render the removal of every frame into ``cache`` (under the keys of the project as it is
    now); returns the project revision it rendered.

    The fill is ``removal``'s method (None: the project's ``removal_method``): the network read
    from ``removal.model_path`` (None: ``core.render``'s default) on ``removal.device``; ``notice``
    hears when the flow fill runs instead."""
    from core.render.removal import check_every_frame_has_a_mask

    check_every_frame_has_a_mask(project, range(project.clip.frame_count))  # fail now, not in the job
    check_removal_masks(project, notice)  # masks covering every whole frame: nothing to fill from
    revision = project.revision
    project = snapshot(project)  # edits made while it renders do not mix into this render

    def run(progress, cancel) -> int:
        from core.render.removal import removed_frames

        keys = FrameKeys(project, removal.model_path, device=removal.device).keys
        with opener(project.clip.path) as reader:
            frames = removed_frames(project, reader.frame, removal, notice=notice, progress=progress, cancel=cancel)
            for index, frame in enumerate(frames):
                cache.put(index, frame, keys[index])
        return revision

    return run


@dataclass(frozen=True)
class ExportOptions:
    clip_dest: Path | None = None  # the cleaned clip
    mattes_dest: Path | None = None  # a PNG folder, or a video when mattes_as_video
    mattes_as_video: bool = False
    settings: ExportSettings = ExportSettings()
    start: int = 0
    stop: int | None = None  # exclusive; None = the end of the clip
    overwrite: bool = False  # the user confirmed replacing what is there (a folder's other files stay)


def export_outputs(options: ExportOptions, count: int) -> list:
    """The export's destinations (:class:`core.output_paths.Output`) for ``count`` frames."""
    from core.output_paths import frame_names, output_for

    outputs = []
    if options.clip_dest is not None:
        outputs.append(output_for(options.clip_dest, "The cleaned clip"))
    if options.mattes_dest is not None:
        names = None if options.mattes_as_video else frame_names(range(count))
        outputs.append(output_for(options.mattes_dest, "The mattes", names=names))
    return outputs


def check_export(project: Project, options: ExportOptions, *, model_path=None) -> list:
    """Refuse destinations that are the clip, the project, the model or each other, and (unless
    ``options.overwrite``) existing files; returns the outputs. :class:`core.errors.ExportError`."""
    from core.output_paths import check_outputs
    from core.render.model_finder import model_path as removal_model_path

    stop = project.clip.frame_count if options.stop is None else options.stop
    outputs = export_outputs(options, stop - options.start)
    check_outputs(outputs, {"the clip": project.clip.path, "the project": project.path,
                            "the removal model": removal_model_path(model_path)}, overwrite=options.overwrite)
    return outputs


def export_task(project: Project, options: ExportOptions, opener: Callable = open_reader, *,
                removal: RemovalOptions = RemovalOptions(), notice: Notice = lambda message: None,
                cleaned: CleanedFrames | None = None):
    """Write the cleaned clip and / or the mattes of frames ``start..stop-1``; returns the paths.
    ``removal`` and ``notice``: as for :func:`remove_clip_task`; the cleaned frames
    are also kept in ``cleaned`` for the preview."""
    from core.render.removal import check_every_frame_has_a_mask

    stop = project.clip.frame_count if options.stop is None else options.stop
    start = options.start
    check_export(project, options, model_path=removal.model_path)
    if options.clip_dest is not None:
        check_every_frame_has_a_mask(project, range(start, stop))
        check_removal_masks(project, notice)
    project = snapshot(project)  # the export is of the project as it is now, whatever is edited meanwhile
    # the source's audio starts at frame 0: a range starting later would be out of sync
    settings = dataclasses.replace(options.settings, keep_audio=options.settings.keep_audio and start == 0)
    shape = (project.clip.height, project.clip.width)

    def run(progress, cancel) -> list[Path]:
        from core.export import export_clip, export_mattes
        from core.render.removal import removed_frames
        from core.video.source_notices import source_notices

        written = []
        with opener(project.clip.path) as reader:
            info = dataclasses.replace(reader.info, frame_count=stop - start)
            if options.clip_dest is not None:
                for message in source_notices(reader.info, codec=settings.codec):  # VFR, 10-bit
                    notice(message)
                frames = removed_frames(project, reader.frame, removal, start=start, stop=stop, notice=notice,
                                        cancel=cancel)
                if cleaned is not None:
                    keys = FrameKeys(project, removal.model_path, device=removal.device).keys
                    frames = kept_frames(frames, lambda i, image: cleaned.put(i, image, keys[i]), start=start,
                                         notice=notice)
                written.append(export_clip(frames, info, options.clip_dest, settings=settings,
                                           overwrite=options.overwrite, progress=progress, cancel=cancel))
            if options.mattes_dest is not None:
                mattes = (_mask_or_empty(project.removal_mask(i), shape) for i in range(start, stop))
                written.append(export_mattes(mattes, info, options.mattes_dest, as_video=options.mattes_as_video,
                                             overwrite=options.overwrite, progress=progress, cancel=cancel))
        return written

    return run


def autosave_task(project: Project, dest: Path):
    """Save a snapshot (taken now) to ``dest`` without touching the project's path or dirty state."""
    copy = snapshot(project)

    def run(progress, cancel) -> Path:
        return save_project(copy, dest)

    return run


def _mask_or_empty(mask, shape) -> np.ndarray:
    return mask if mask is not None else np.zeros(shape, np.uint8)
