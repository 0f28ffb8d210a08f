"""``python main.py <subcommand>``: Keyfill without a window, for scripts and render farms.

Every subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args) -> int``.
Problems the user can fix (``KeyfillError``) are printed as one line and exit with code 2;
Ctrl+C cancels cleanly with code 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from core.errors import Cancelled, KeyfillError

COMMANDS = ["info", "remove", "roto", "export", "demo", "render", "bench", "eval", "train", "train_roto", "finetune", "app"]
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
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except Cancelled as exc:
        print(f"keyfill: {exc}", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("\nkeyfill: interrupted; nothing half-written was left behind.", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyfillError as exc:
        print(f"keyfill: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR


def _command_module(name: str):
    """The module of a subcommand; a subcommand whose package has not landed yet is skipped."""
    try:
        return importlib.import_module(f"core.cli.{name}_command")
    except ModuleNotFoundError as exc:
        if exc.name == f"core.cli.{name}_command":
            return None
        raise
