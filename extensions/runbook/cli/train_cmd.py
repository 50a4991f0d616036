"""``runbook train``: an interactive walkthrough of a scenario on real hosts.

Each step's prose, hosts and commands are shown; the operator runs them (through the
same runner as ``runbook run``), types them, or skips; the verification then checks the
work and a failure is explained. Nothing is journaled: training is practice, not a
deployment record. Exit status: 0 every step done, 1 a step still failing, 3 refused
before connecting, 130 quit.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

ORDER = 45


def register(subparsers: Any) -> None:
    from runbook.cli.plan_cmd import add_plan_arguments

    parser = subparsers.add_parser(
        "train",
        help="walk through a scenario step by step on real hosts, interactively",
        description="Show each step of SCENARIO (its explanation, hosts and commands), "
        "then run it, type the commands yourself (here, or in your own shell on the hosts), "
        "or skip it; the step's verification "
        "checks the result and a failure is explained. Practice on the testbed: "
        "`runbook train basic-cluster -i $(runbook testbed inventory)`.",
    )
    add_plan_arguments(parser)
    parser.add_argument(
        "--from", dest="start", metavar="STEP", help="start at STEP (id like galera/3, or number)"
    )
    parser.add_argument(
        "--limit", metavar="HOSTS", help="only these inventory hosts or groups (comma separated)"
    )
    parser.add_argument(
        "--accept-new-hostkeys",
        action="store_true",
        help="record unknown host keys (changed keys are always refused)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.cli.run_cmd import plan_or_refuse
    from runbook.execution.connect import ConnectOptions, close_all, open_all, ssh_factory
    from runbook.execution.errors import RefusedError
    from runbook.execution.runner import hosts_needed
    from runbook.execution.selection import limit_hosts, select_steps
    from runbook.training.walkthrough import Walkthrough

    _scenario, plan = plan_or_refuse(args, args.scenario)
    if plan.inventory is None:
        raise RefusedError("training runs on real hosts: give an inventory with -i FILE")
    steps = limit_hosts(plan, select_steps(plan, args.start), args.limit)
    options = ConnectOptions(accept_new_hostkeys=args.accept_new_hostkeys)
    transports = open_all(hosts_needed(plan, steps), ssh_factory(plan, options))
    try:
        return Walkthrough(plan, transports, sys.stdin, sys.stdout).run(steps)
    finally:
        close_all(transports.values())
