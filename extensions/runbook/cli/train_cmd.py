"""``runbook train``: an interactive walkthrough of a scenario on real hosts.

Each step's prose, hosts and commands are shown; the operator runs them (through the
same runner as ``runbook run``), types them, or skips; the verification then checks the
work and a failure is explained. Nothing is journaled: training is practice, not a
deployment record. It takes the same locks as ``runbook run`` (the run lock of the
scenario and inventory, and each host's lock), so a trainee never works on hosts a run
holds, nor a run on hosts a trainee holds. Exit status: 0 every step done, 1 a step still
failing, 3 refused before connecting (or locked), 130 quit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from runbook.cli.plan_cmd import add_plan_arguments
from runbook.cli.run_cmd import plan_or_refuse

ORDER = 45


def register(subparsers: Any) -> None:
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
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where runs keep their locks: training is refused while a run of the same "
        "scenario holds its lock (default: as for `runbook run`)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.execution.session import SessionOptions, StepChoice, require_inventory
    from runbook.execution.statedir import default_state_dir
    from runbook.execution.transport import ConnectOptions
    from runbook.training.walkthrough import train

    plan = plan_or_refuse(args, args.scenario)
    require_inventory(plan, "training runs on real hosts")
    options = SessionOptions(
        state_dir=args.state_dir or default_state_dir(),
        record=False,
        connect=ConnectOptions(accept_new_hostkeys=args.accept_new_hostkeys),
    )
    return train(
        plan,
        options,
        StepChoice(start=args.start, limit=args.limit),
        sys.stdin,
        sys.stdout,
        warn=lambda text: print(f"runbook: warning: {text}", file=sys.stderr),
    )
