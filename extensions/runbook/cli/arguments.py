"""Arguments several subcommands share, defined once so their help never drifts apart."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_DOCS = Path("docs")


def add_docs_argument(parser: argparse.ArgumentParser) -> None:
    """``--docs DIR``: where the guide's sources are (every command that reads the guide)."""
    parser.add_argument(
        "--docs",
        type=Path,
        default=DEFAULT_DOCS,
        metavar="DIR",
        help=f"the guide's sources (default: {DEFAULT_DOCS})",
    )
