"""The project document (one owner of the state) and its ``.keyfill`` file."""

from core.project.document import ClipRef, ObjectTrack, Project, ProjectEvent, ProjectSettings, new_project
from core.project.mask_track import MaskKind
from core.project.project_file import SUFFIX, clip_found, load_project, save_project

__all__ = [
    "ClipRef", "MaskKind", "ObjectTrack", "Project", "ProjectEvent", "ProjectSettings", "SUFFIX",
    "clip_found", "load_project", "new_project", "save_project",
]
