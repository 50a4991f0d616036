"""Entry point of the ``runbook`` command: argument parsing, error messages, exit codes.

Each subcommand lives in its own module ``runbook/cli/<name>_cmd.py`` that defines
``ORDER`` (its place in ``--help``) and ``register(subparsers)``; ``register`` adds the
parser and sets ``handler`` to a function ``(args) -> int``. Modules keep heavy imports
inside their handlers so that ``runbook plan`` starts fast.

Exit statuses: 0 success, 1 a plan/input error or failed step, 2 usage error,
3 a run refused before connecting, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from runbook import __version__
from runbook.errors import RunbookError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERRUPTED = 130


def _command_modules() -> list[ModuleType]:
    """The ``*_cmd`` modules of this package, in their declared ``ORDER``."""
    import runbook.cli as package

    modules = [
        importlib.import_module(f"runbook.cli.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.endswith("_cmd")
    ]
    return sorted(modules, key=lambda module: (module.ORDER, module.__name__))


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; also the source of the guide's command reference."""
    parser = argparse.ArgumentParser(
        prog="runbook",
        description="Render, plan, check and run the HA guide's scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"runbook {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks for errors (for bug reports)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used by tests)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except RunbookError as error:
        if args.debug:
            raise
        print(f"runbook: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("runbook: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
