"""Where outputs may go: never onto an input, never over a user's file unless asked.

Every command that writes (the CLI's and the window's export) describes its outputs as
:class:`Output` (a file, or a folder Keyfill writes named files into) and its inputs (the clip,
masks, project, model), and calls :func:`check_outputs` before any long work:

- an output that is an input, lies inside an input folder (an image sequence, a mask folder:
  Keyfill would read its own output next time), or whose named files include an input file, is
  refused;
- two outputs that would write the same file are refused;
- an existing output file, or a named file already in an output folder, is overwritten only
  with ``overwrite`` (the CLI's ``-y``, the window's confirmation). Other files of an output
  folder are never touched (:func:`core.atomic_write.named_files_into`).

Each refusal is an :class:`ExportError` whose one line names the problem and the fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from core.errors import ExportError

PathLike = str | os.PathLike


@dataclass(frozen=True)
class Output:
    """A destination: a file, or (``names`` given) a folder Keyfill writes these files into."""

    path: Path
    what: str  # how messages name it: "-o", "--mattes", "the cleaned clip"
    names: tuple[str, ...] | None = None

    @property
    def is_folder(self) -> bool:
        return self.names is not None

    def files(self) -> list[Path]:
        return [self.path / name for name in self.names] if self.is_folder else [self.path]


def frame_names(frames: Iterable[int], digits: int = 5) -> tuple[str, ...]:
    """The PNG names of ``frames``: ``00000.png``, ``00001.png``, ... (``digits`` wide)."""
    return tuple(f"{index:0{digits}d}.png" for index in frames)


def output_for(path: PathLike, what: str, *, names: Sequence[str] | None = None) -> Output:
    return Output(Path(path), what, None if names is None else tuple(names))


def check_outputs(outputs: Sequence[Output], inputs: Mapping[str, PathLike | None], *,
                  overwrite: bool) -> None:
    """Refuse ``outputs`` that would destroy an input or each other, or (without ``overwrite``)
    overwrite existing files; ``inputs`` maps how a message names an input ("the clip") to its
    path (None: not given)."""
    given = {label: Path(path) for label, path in inputs.items() if path is not None}
    for output in outputs:
        _refuse_inputs(output, given)
        _refuse_wrong_kind(output)
    _refuse_overlaps(outputs)
    if not overwrite:
        for output in outputs:
            _refuse_existing(output)


def existing_outputs(outputs: Sequence[Output]) -> list[str]:
    """One sentence per output that is there already (a file, or a folder with anything in it),
    saying what writing it would do; for a confirmation. Empty when nothing is there."""
    lines = []
    for output in outputs:
        if output.is_folder and output.path.is_dir():
            entries = _entries(output.path)
            if not entries:
                continue
            clash = sum(1 for name in output.names if name in entries)
            lines.append(
                f"The folder {output.path} already holds {len(entries)} files: Keyfill writes "
                f"{_span(output.names)} into it ({clash} of them exist and will be replaced); "
                f"the other files stay as they are.")
        elif not output.is_folder and output.path.is_file():
            lines.append(f"{output.path} exists and will be replaced.")
    return lines


def where_written(output: Output) -> str:
    """How to say where a folder's files went, measured before writing: ``to DIR``, or for an
    existing folder ``into the existing folder DIR (3 replaced; 5 other files left as they
    were)``."""
    if not output.path.is_dir():
        return f"to {output.path}"
    entries = _entries(output.path)
    replaced = sum(1 for name in output.names if name in entries)
    others = len(entries) - replaced
    left = "1 other file left as it was" if others == 1 else f"{others} other files left as they were"
    return f"into the existing folder {output.path} ({replaced} replaced; {left})"


def _refuse_inputs(output: Output, inputs: Mapping[str, Path]) -> None:
    for label, source in inputs.items():
        if _same(output.path, source):
            raise ExportError(f"{output.what} {output.path} is {label}, which Keyfill reads; "
                              f"choose another path for {_mid_sentence(output.what)}.")
        if source.is_dir() and _inside(output.path, source):
            raise ExportError(f"{output.what} {output.path} is inside {label} ({source}), which Keyfill "
                              f"reads; choose a path outside that folder.")
        if output.is_folder and source.name in output.names and _same(output.path, source.parent):
            raise ExportError(f"{output.what} {output.path} would overwrite {label} ({source.name}); "
                              f"choose another folder for {_mid_sentence(output.what)}.")


def _refuse_wrong_kind(output: Output) -> None:
    if output.is_folder and output.path.exists() and not output.path.is_dir():
        raise ExportError(f"{output.what} {output.path} is a file, not a folder; give a folder for the "
                          "PNG files.")
    if not output.is_folder and output.path.is_dir():
        raise ExportError(f"{output.what} {output.path} is a folder; give a file name (inside it or "
                          "elsewhere).")


def _refuse_overlaps(outputs: Sequence[Output]) -> None:
    for i, first in enumerate(outputs):
        for second in outputs[i + 1:]:
            if _same(first.path, second.path):
                raise ExportError(f"{first.what} and {second.what} are the same path ({first.path}); give "
                                  "them different paths.")
    claimed: dict[str, Output] = {}
    for output in outputs:
        for path in output.files():
            other = claimed.setdefault(_key(path), output)
            if other is not output:
                raise ExportError(f"{other.what} and {output.what} would both write {path}; give them "
                                  "different paths.")


def _refuse_existing(output: Output) -> None:
    if not output.is_folder:
        if os.path.lexists(output.path):
            raise ExportError(f"{output.what} {output.path} already exists; add -y to overwrite it, or "
                              "choose another name.")
        return
    if not output.path.is_dir():
        return
    entries = _entries(output.path)
    clash = [name for name in output.names if name in entries]
    if clash:
        named = clash[0] if len(clash) == 1 else f"{clash[0]} and {len(clash) - 1} more"
        raise ExportError(f"{output.what} {output.path} already holds {len(clash)} of the files Keyfill "
                          f"writes there ({named}); add -y to overwrite them, or choose a new or empty folder.")


def _entries(folder: Path) -> set[str]:
    """What ``folder`` holds; nothing when it cannot be listed (writing there then fails with its
    own message)."""
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _mid_sentence(what: str) -> str:
    """"The mattes" -> "the mattes" (a flag such as "-o" stays as it is)."""
    return what[:1].lower() + what[1:]


def _span(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return _key(a) == _key(b)


def _inside(path: Path, folder: Path) -> bool:
    child, parent = _key(path), _key(folder)
    return child.startswith(parent.rstrip(os.sep) + os.sep)


def _key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))
