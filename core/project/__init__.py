"""The project document (one owner of the state) and its ``.keyfill`` file."""

from core.project.document import ClipRef, ObjectTrack, Project, ProjectEvent, ProjectSettings, new_project
from core.project.mask_track import MaskKind
from core.project.project_file import SUFFIX, clip_found, load_project, save_project
from core.project.recovery import recover_autosave, recoverable_autosave

__all__ = [
    "ClipRef", "MaskKind", "ObjectTrack", "Project", "ProjectEvent", "ProjectSettings", "SUFFIX",
    "clip_found", "load_project", "new_project", "recover_autosave", "recoverable_autosave", "save_project",
]
