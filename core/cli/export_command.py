"""``main.py export PROJECT -o OUT``: write a saved project's cleaned clip and/or its mattes."""

from __future__ import annotations

from pathlib import Path

from core.cli.remove_command import (add_export_options, check_export_outputs, print_notice, removal_options,
                                     write_mattes, write_outputs)
from core.render import REMOVAL_METHODS


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("export", help="export a .keyfill project: the cleaned clip and/or the mattes")
    p.add_argument("project", help="a .keyfill project whose masks cover every frame")
    p.add_argument("-o", "--output", help="the cleaned clip (.mp4 for H.264, .mov for ProRes); an existing "
                   "file is replaced only with -y")
    p.add_argument("--method", choices=REMOVAL_METHODS, default=None,
                   help="which fill (default: the project's setting)")
    p.add_argument("--reprobe", action="store_true",
                   help="the clip's frame count or rate changed since the project was saved: use it as it is now "
                   "(masks stay on their frames)")
    add_export_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from core.cli.preview_frames import preview_frames
    from core.errors import ProjectError
    from core.project import clip_found, load_project
    from core.project.clip_check import check_clip
    from core.render.model_finder import project_model
    from core.video import open_clip

    if not args.output and not args.mattes:
        raise ProjectError("Nothing to export; give -o OUT for the clip and/or --mattes DEST for the mattes.")
    project = load_project(args.project)
    if not clip_found(project):
        raise ProjectError(
            f"The project's clip {project.clip.path} is missing; move it back or relink it in the window."
        )
    args.method = args.method or project.settings.removal_method
    args.model = project_model(project)  # the weights fine-tuned on its clip, if any; else the default
    with open_clip(project.clip.path) as reader:
        reprobed = check_clip(project, reader.info, reprobe=args.reprobe)  # not the project's frames: say so
        if reprobed:
            print_notice(reprobed)
        check_export_outputs(args, reader.info, {"the project": args.project, "the project's clip": project.clip.path})
        if args.output:
            options = removal_options(args)
            preview = preview_frames(project, options, notice=print_notice)
            write_outputs(project, reader, args, options, preview=preview)
        elif args.mattes:
            write_mattes(project, reader.info, Path(args.mattes), overwrite=args.overwrite)
    return 0
