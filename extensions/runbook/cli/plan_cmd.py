"""``runbook plan``: a scenario's ordered plan, resolved against an inventory; no connection.

The scenario, inventory and ``-e`` options are shared with the commands that run a plan:
:func:`add_plan_arguments` and :func:`plan_from_args` are their one definition.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbook.cli.arguments import add_docs_argument, add_extra_vars_argument

if TYPE_CHECKING:
    from runbook.plan.model import Plan

ORDER = 20


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show a scenario's plan without connecting",
        description="Show the ordered plan of a scenario: each step's hosts (with an "
        "inventory), script, guard, verification and where it is written. Nothing "
        "connects anywhere. Exit status 1 when the plan cannot be made.",
    )
    add_plan_arguments(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.set_defaults(handler=run)


def add_plan_arguments(parser: argparse.ArgumentParser, *, optional: bool = False) -> None:
    """SCENARIO, --docs, -i/-H and -e: how every command names a scenario and its values.

    ``optional``: the command has another way to say what to do (``train --drill``).
    """
    parser.add_argument(
        "scenario",
        nargs="?" if optional else None,
        metavar="SCENARIO",
        help="a scenario of the guide, a legacy scenario's name, or a .rst/.md/.scenario file",
    )
    add_docs_argument(parser)
    hosts = parser.add_mutually_exclusive_group()
    hosts.add_argument(
        "-i",
        "--inventory",
        type=Path,
        metavar="INVENTORY",
        help="Ansible YAML inventory (.yml) or host list file",
    )
    hosts.add_argument(
        "-H",
        "--hosts",
        metavar="HOSTS",
        help="comma-separated [USER@]ADDRESS[:PORT] list instead of an inventory",
    )
    add_extra_vars_argument(parser)


def plan_from_args(args: argparse.Namespace, *, require_values: bool | None = None) -> Plan:
    """Load the scenario, inventory and variables named on the command line and plan them.

    Warnings from a legacy import go to standard error as ``path:line: warning: ...``.
    """
    from runbook.errors import PlanError
    from runbook.plan.build import build_plan
    from runbook.plan.inventory import inventory_from_hosts, load_inventory
    from runbook.plan.variables import split_extra_vars

    scenario = _load_scenario(args.scenario, args.docs, cache=args.cache)
    inventory = None
    if args.inventory is not None:
        inventory = load_inventory(args.inventory)
    elif args.hosts is not None:
        inventory = inventory_from_hosts(args.hosts.split(","))
    try:
        files, pairs = split_extra_vars(args.extra_vars)
    except ValueError as error:
        raise PlanError(str(error)) from None
    return build_plan(scenario, inventory, files, pairs, require_values=require_values)


def _load_scenario(ref: str, docs: Path, *, cache: bool) -> Any:
    if ref.endswith(".scenario"):
        from runbook.parsing.legacy import load_legacy

        imported = load_legacy(Path(ref))
        for warning in imported.warnings:
            print(f"{warning.location}: warning: {warning.message}", file=sys.stderr)
        return imported.scenario
    from runbook.docutils_.loader import load_scenario

    return load_scenario(ref, docs_dir=docs, cache=cache)


def run(args: argparse.Namespace) -> int:
    plan = plan_from_args(args)
    if args.format == "json":
        from runbook.plan.serialize import plan_to_dict

        print(json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False))
    else:
        from runbook.plan.text import format_plan

        sys.stdout.write(format_plan(plan))
    return 0
