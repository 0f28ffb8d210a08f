"""``main.py app [PATH]``: open the window on a clip, an image folder or a .keyfill project."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("app", help="open the Keyfill window")
    p.add_argument("path", nargs="?", help="a clip, an image folder or a .keyfill project")
    p.set_defaults(run=run)


def run(args) -> int:
    from app.main import run as run_window  # Qt is imported only for this subcommand

    return run_window(args.path)
