"""Arguments several subcommands share, defined once so their help never drifts apart."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_DOCS = Path("docs")


def add_docs_argument(parser: argparse.ArgumentParser) -> None:
    """``--docs DIR`` and ``--no-cache``: where the guide is and how it is read.

    Every command that reads the guide takes both, and passes ``args.cache`` to the loader.
    """
    parser.add_argument(
        "--docs",
        type=Path,
        default=DEFAULT_DOCS,
        metavar="DIR",
        help=f"the guide's sources (default: {DEFAULT_DOCS})",
    )
    parser.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="parse every page needed, ignoring and not updating the cache of parsed pages "
        "(also: RUNBOOK_CACHE=0)",
    )
