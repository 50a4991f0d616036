"""``runbook check``: the dry-run check CI runs on every change (`make check`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from runbook.cli.arguments import add_docs_argument

ORDER = 50

EXAMPLE_INVENTORY = Path("scenarios/examples/inventory.yml")
EXAMPLE_VARIABLES = Path("scenarios/examples/vars.yml")


def register(subparsers: Any) -> None:
    from runbook.model.problems import ProblemCode

    parser = subparsers.add_parser(
        "check",
        help="plan, lint and syntax-check every scenario of the guide (for CI)",
        description="For every scenario of the guide: plan it against the example inventory "
        "and variables; report problems in the guide's sources (a requirement naming no "
        "scenario, requirements in a cycle), undefined and unused variables and steps "
        "without verification; run bash -n and shellcheck on every script, guard and "
        "verification, and ansible-playbook --syntax-check on the exported playbooks. Every "
        "problem is printed with file:line and its kind; exit status 1 if there is any.",
    )
    add_docs_argument(parser)
    parser.add_argument(
        "-i",
        "--inventory",
        type=Path,
        metavar="INVENTORY",
        help=f"the inventory to plan against (default: {EXAMPLE_INVENTORY}, if present)",
    )
    parser.add_argument(
        "-e",
        "--extra-vars",
        action="append",
        type=Path,
        metavar="VARS.yml",
        help=f"variables files (default: {EXAMPLE_VARIABLES}, if present; repeatable)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        choices=[code.value for code in ProblemCode],
        metavar="KIND",
        help="leave out one kind of problem (repeatable): "
        + ", ".join(code.value for code in ProblemCode),
    )
    parser.add_argument(
        "--no-ansible", action="store_true", help="skip ansible-playbook --syntax-check"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.check.guide import check_guide
    from runbook.plan.inventory import load_inventory

    inventory_path = args.inventory or (EXAMPLE_INVENTORY if EXAMPLE_INVENTORY.exists() else None)
    files = args.extra_vars or ([EXAMPLE_VARIABLES] if EXAMPLE_VARIABLES.exists() else [])
    inventory = load_inventory(inventory_path) if inventory_path else None
    problems = check_guide(
        args.docs,
        inventory=inventory,
        variable_files=files,
        root=Path.cwd(),
        ansible=not args.no_ansible,
        cache=args.cache,
    )
    problems = [p for p in problems if p.code.value not in args.ignore]
    for problem in problems:
        print(problem)
    if problems:
        print(f"runbook check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("runbook check: no problems", file=sys.stderr)
    return 0
