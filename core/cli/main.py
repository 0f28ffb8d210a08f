"""``python main.py <subcommand>``: Keyfill without a window, for scripts and render farms.

Every subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``.
Problems the user can fix (``KeyfillError``) are printed as one line and exit with code 2;
Ctrl+C cancels cleanly with code 130, and so does SIGTERM (``kill``, a render farm's scheduler):
it is handled as Ctrl+C is, so what was being written is discarded. Before any subcommand, the
hidden ``.part`` files of Keyfill processes that were killed are removed
(:func:`core.part_files.clean_killed_writers`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys

from core.cli.signals import handling
from core.errors import Cancelled, KeyfillError, MaskSizeError

COMMANDS = ["info", "remove", "roto", "export", "demo", "render", "bench", "eval", "train", "train_roto", "train_refiner",
            "finetune", "app"]
EXIT_USER_ERROR = 2
EXIT_CANCELLED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Keyfill: rotoscope objects and remove them from video by keyframe propagation.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="<subcommand>", required=True)
    for name in COMMANDS:
        module = _command_module(name)
        if module is not None:
            module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from core.part_files import clean_killed_writers

    args = build_parser().parse_args(argv)
    clean_killed_writers()
    try:
        # the window's event loop runs no Python between events: SIGTERM keeps ending it at once
        with sigterm_as_ctrl_c() if args.command != "app" else contextlib.nullcontext():
            return int(args.run(args) or 0)
    except Cancelled as exc:
        print(f"keyfill: {exc}", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("\nkeyfill: interrupted; nothing half-written was left behind.", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyfillError as exc:
        print(f"keyfill: error: {in_cli_words(exc, args)}", file=sys.stderr)
        return EXIT_USER_ERROR


def in_cli_words(exc: KeyfillError, args) -> str:
    """``exc``'s message, its fix naming this command's option where it has one."""
    if isinstance(exc, MaskSizeError) and hasattr(args, "resize_masks"):
        width, height = exc.clip_size
        return f"{exc.problem}; resize the mask to {width}x{height} or pass --resize-masks."
    return str(exc)


@contextlib.contextmanager
def sigterm_as_ctrl_c():
    """While inside, SIGTERM does what Ctrl+C (SIGINT) does at that moment: raise
    KeyboardInterrupt, or whatever a command installed (training stops after its step and
    saves). Outside the main thread (tests calling ``main``), nothing changes."""
    def handler(signum, frame):
        ctrl_c = signal.getsignal(signal.SIGINT)
        if callable(ctrl_c):
            ctrl_c(signal.SIGINT, frame)
        else:  # SIGINT ignored (a job started in the background, ``nohup``): SIGTERM still stops it
            raise KeyboardInterrupt

    with handling(signal.SIGTERM, handler):
        yield


def _command_module(name: str):
    """The module of a subcommand; a subcommand whose package has not landed yet is skipped."""
    try:
        return importlib.import_module(f"core.cli.{name}_command")
    except ModuleNotFoundError as exc:
        if exc.name == f"core.cli.{name}_command":
            return None
        raise
