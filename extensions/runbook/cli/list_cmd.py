"""``runbook list``: the guide's scenarios with their step counts, requirements and sources."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from runbook.cli.arguments import add_docs_argument

if TYPE_CHECKING:
    from runbook.docutils_.loader import Guide

ORDER = 10


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "list",
        help="list the guide's scenarios",
        description="List the scenarios written in the guide, in guide order, with their "
        "step counts, requirements and source; report problems found on the way "
        "(exit status 1 if there are any).",
    )
    add_docs_argument(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.docutils_.loader import load_guide

    guide = load_guide(args.docs, cache=args.cache)
    if args.format == "json":
        print(json.dumps(_as_dict(guide), indent=2))
    else:
        _print_table(guide)
    for problem in guide.problems:
        print(problem, file=sys.stderr)
    return 1 if guide.problems else 0


def _as_dict(guide: Guide) -> dict[str, Any]:
    return {
        "scenarios": [
            {
                "name": scenario.name,
                "title": scenario.title,
                "steps": len(scenario.steps),
                "requires": list(scenario.requires),
                "hosts": scenario.hosts_role,
                "nodes": scenario.min_nodes,
                "origin": scenario.origin,
                "source": str(scenario.location) if scenario.location else None,
            }
            for scenario in guide.scenarios.values()
        ],
        "problems": [
            {
                "path": problem.location.path if problem.location else None,
                "line": problem.location.line if problem.location else None,
                "kind": problem.code.value,
                "severity": problem.severity.value,
                "message": problem.message,
            }
            for problem in guide.problems
        ],
    }


def _print_table(guide: Guide) -> None:
    rows = [("SCENARIO", "STEPS", "REQUIRES", "SOURCE")]
    rows += [
        (
            scenario.name,
            str(len(scenario.steps)),
            ", ".join(scenario.requires) or "-",
            str(scenario.location) if scenario.location else "-",
        )
        for scenario in guide.scenarios.values()
    ]
    if len(rows) == 1:
        print("no scenarios found")
        return
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2])]
        print("  ".join([*cells, row[3]]))
