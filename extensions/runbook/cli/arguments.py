"""Arguments several subcommands share, defined once so their help never drifts apart."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_DOCS = Path("docs")


def add_extra_vars_argument(parser: argparse.ArgumentParser) -> None:
    """``-e VARS`` (repeatable): the variables of every command that plans a scenario."""
    parser.add_argument(
        "-e",
        "--extra-vars",
        action="append",
        default=[],
        metavar="VARS",
        help="a YAML variables file, or key=value (repeatable; key=value wins over the "
        "inventory, files rank below it)",
    )


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
