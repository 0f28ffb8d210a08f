"""Errors a user can act on.

Every message names the problem and the fix, in one line, so the CLI can print it as is and the
window can show it in a dialog. Programming errors stay ordinary exceptions (and tracebacks).
"""


class KeyfillError(Exception):
    """A problem with the user's input or environment, with a message that says what to do."""


class VideoError(KeyfillError):
    """A clip that cannot be opened, decoded or is empty."""


class MaskError(KeyfillError):
    """Masks of the wrong size or count, unreadable mask files, keyframes outside the clip."""


class MaskSizeError(MaskError):
    """A mask file of another size than the clip. The message says to resize the file; ``problem``
    is its first half and ``clip_size`` the clip's ``(width, height)``, for a caller that can resize
    masks itself and says how (the CLI's ``--resize-masks``)."""

    def __init__(self, problem: str, clip_size: tuple[int, int]) -> None:
        super().__init__(f"{problem}; resize the mask to {clip_size[0]}x{clip_size[1]}.")
        self.problem, self.clip_size = problem, clip_size


class ProjectError(KeyfillError):
    """A project file that is missing, truncated, corrupt or from a newer version."""


class SettingsError(KeyfillError):
    """A setting outside its range (a working width of 0, a negative feather).

    ``problem`` is the message's first half ("The working width 0 is out of range (64 to 8192
    pixels)"), for callers that give their own fix (a damaged project file).
    """

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem}; {fix}.")
        self.problem = problem


class ExportError(KeyfillError):
    """An export that could not be written (destination, codec, disk)."""


class ModelError(KeyfillError):
    """A checkpoint that is missing, corrupt or built for another configuration."""


class Cancelled(KeyfillError):
    """The user cancelled a long operation; whatever it was writing has been discarded."""
