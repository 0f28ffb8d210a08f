#!/usr/bin/env python3
"""Keyfill's entry point: ``python main.py <subcommand> --help`` (``app`` opens the window)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core.cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
