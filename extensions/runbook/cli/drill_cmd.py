"""``runbook drill``: break a deployed cluster on purpose, measure, restore, judge the budget.

Each drill of the guide names the scenarios it needs, a fault, the probes that watch the
service through the VIP, and its budget. On the testbed the fault is injected by the
testbed itself; on real hosts the operator confirms the drill, then does the fault by
hand when told. The figures go to ``drills.jsonl`` in the state directory, where the
executed guide reads them. Exit status: 0 every drill within budget, 1 a drill over
budget or not healthy afterwards, 3 refused (not deployed, not healthy before).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbook.cli.arguments import add_docs_argument, add_extra_vars_argument

if TYPE_CHECKING:
    from runbook.drills.session import Outcome, Target
    from runbook.model.drill import Drill
    from runbook.plan.model import Plan

ORDER = 48


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "drill",
        help="inject a drill's fault into a deployed cluster and measure what clients see",
        description="Check that the cluster is healthy, inject the drill's fault, probe the "
        "service through the VIP several times a second, undo the fault, wait until the "
        "cluster is healthy again, and compare downtime, time to recovery, failed requests "
        "and lost writes with the drill's budget. On the testbed the fault is injected for "
        "you; on other hosts you confirm the drill and do the fault by hand when told. "
        "Exit status 1 when a drill is over budget.",
    )
    parser.add_argument("name", nargs="?", metavar="DRILL", help="a drill of the guide")
    parser.add_argument(
        "--all", action="store_true", help="every drill whose scenarios are deployed here"
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the guide's drills and their problems (exit status 1 if any) and exit",
    )
    add_docs_argument(parser)
    hosts = parser.add_mutually_exclusive_group()
    hosts.add_argument(
        "-i", "--inventory", type=Path, metavar="INVENTORY", help="Ansible YAML inventory"
    )
    hosts.add_argument(
        "--testbed", metavar="NAME", help="the testbed NAME (its inventory and fault commands)"
    )
    add_extra_vars_argument(parser)
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where the deployment's journals are and the figures go (default: the "
        "runner's state directory)",
    )
    parser.add_argument(
        "--yes", action="store_true", help="on real hosts, do not ask before starting"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.drills.guide import find_drill, load_drills
    from runbook.execution.errors import RefusedError

    if args.list:
        guide = load_drills(args.docs)
        for drill in guide.drills.values():
            print(f"{drill.name}\t{', '.join(drill.scenarios)}\t{drill.title}")
        for problem in guide.problems:
            print(problem, file=sys.stderr)
        return 1 if guide.problems else 0
    if bool(args.name) == bool(args.all):
        raise RefusedError("name one drill, or give --all")
    testbed, inventory = where(args)
    state_dir = _state_dir(args)
    if args.all:
        guide = load_drills(args.docs)
        drills = [
            drill
            for drill in guide.drills.values()
            if all(deployed(args, name, inventory, state_dir) for name in drill.scenarios)
        ]
        if not drills:
            raise RefusedError("no drill's scenarios are deployed on these hosts")
    else:
        drill = find_drill(args.docs, args.name)
        missing = [n for n in drill.scenarios if not deployed(args, n, inventory, state_dir)]
        if missing:
            raise RefusedError(
                f"drill {drill.name} needs {', '.join(missing)} deployed on these hosts "
                f"first (`runbook run {missing[0]} -i {inventory}`)"
            )
        drills = [drill]
    status = 0
    for drill in drills:
        outcome = _run_one(args, drill, testbed, inventory, state_dir)
        if not outcome.passed:
            status = 1
    return status


def where(args: argparse.Namespace) -> tuple[str | None, Path]:
    """The testbed's name (``None`` on real hosts) and the inventory."""
    from runbook.execution.errors import RefusedError
    from runbook.testbed import lifecycle, paths

    if args.testbed:
        lifecycle.existing(args.testbed)
        return args.testbed, lifecycle.inventory_path(args.testbed)
    if args.inventory is None:
        raise RefusedError("a drill runs on hosts: give --testbed NAME or -i INVENTORY")
    inventory = args.inventory.resolve()
    root = paths.state_root().resolve()
    if inventory.name == "inventory.yml" and inventory.parent.parent == root:
        return inventory.parent.name, inventory
    return None, inventory


def _state_dir(args: argparse.Namespace) -> Path:
    from runbook.execution.statedir import default_state_dir

    return args.state_dir or default_state_dir()


def _plan(args: argparse.Namespace, scenario: str, inventory: Path) -> Plan:
    """``scenario`` planned for the drill's hosts; a problem here refuses the drill."""
    from runbook.cli.plan_cmd import plan_from_args
    from runbook.errors import RunbookError
    from runbook.execution.errors import RefusedError

    values = {**vars(args), "scenario": scenario, "inventory": inventory, "hosts": None}
    try:
        return plan_from_args(argparse.Namespace(**values))
    except (RunbookError, ValueError) as error:
        raise RefusedError(str(error)) from None


def deployed(args: argparse.Namespace, scenario: str, inventory: Path, state_dir: Path) -> bool:
    """The runner's journal for ``scenario`` on these hosts ends with a complete run."""
    from runbook.execution.fingerprint import inventory_key
    from runbook.execution.journal import read_journal
    from runbook.execution.statedir import RunFiles

    plan = _plan(args, scenario, inventory)
    files = RunFiles(state_dir, scenario, inventory_key(plan.inventory))
    return read_journal(files.journal).complete


def drill_target(args: argparse.Namespace, drill: Drill, inventory: Path) -> tuple[Target, Plan]:
    from runbook.drills.session import DrillError, Target
    from runbook.model.secret import reveal

    variables: dict[str, str] = {}
    plan = None
    for scenario in drill.scenarios:
        plan = _plan(args, scenario, inventory)
        for name, resolved in plan.variables.items():
            variables[name] = reveal(resolved.value)
    assert plan is not None and plan.inventory is not None
    # A scenario that does not declare the VIP (memcached) still runs where one is set.
    vip = variables.get("vip") or reveal(plan.inventory.vars.get("vip", ""))
    if not vip and drill.needs_vip:
        raise DrillError(f"drill {drill.name}: neither its scenarios nor the inventory set `vip`")
    hosts = tuple(host.name for host in plan.inventory.hosts)
    addresses = {host.name: host.address for host in plan.inventory.hosts}
    passwords = {name: value for name, value in variables.items() if name.endswith("_password")}
    return Target(hosts, addresses, vip, passwords), plan


def _run_one(
    args: argparse.Namespace, drill: Drill, testbed: str | None, inventory: Path, state_dir: Path
) -> Outcome:
    from runbook.drills.faults import OperatorFaults, TestbedFaults
    from runbook.drills.record import DrillRecord, append_record, drills_file
    from runbook.drills.session import DrillSession
    from runbook.execution.connect import close_all, open_all, ssh_factory
    from runbook.execution.errors import RefusedError
    from runbook.execution.transport import ConnectOptions

    target, plan = drill_target(args, drill, inventory)
    if testbed is not None:
        faults: Any = TestbedFaults(testbed)
        where = f"testbed {testbed} ({', '.join(target.hosts)})"
    else:
        if not args.yes:
            print(
                f"Drill {drill.name} breaks the cluster on {', '.join(target.hosts)} "
                f"({drill.fault}). Type the drill's name to go on: ",
                end="",
                flush=True,
            )
            if sys.stdin.readline().strip() != drill.name:
                raise RefusedError("drill not confirmed")
        faults = OperatorFaults(sys.stdin, sys.stdout)
        where = f"{inventory.name} ({', '.join(target.hosts)})"
    transports = open_all(target.hosts, ssh_factory(plan, ConnectOptions()))
    quick = ConnectOptions(timeout=3.0, retries=0, alive_timeout=5.0)
    probe_transports = open_all(target.hosts, ssh_factory(plan, quick))
    try:
        session = DrillSession(drill, target, transports, probe_transports, faults, sys.stdout)
        outcome = session.run()
    finally:
        close_all([*transports.values(), *probe_transports.values()])
    record = DrillRecord(
        drill=drill.name,
        at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        where=where,
        scenarios=drill.scenarios,
        fault=_resolved_fault(drill, outcome.nodes),
        budget={
            "downtime": drill.budget.downtime,
            "mttr": drill.budget.mttr,
            "failed_requests": drill.budget.failed_requests,
            "lost_writes": drill.budget.lost_writes,
        },
        figures=outcome.figures,
        probes=outcome.probes,
        healthy_after=outcome.healthy_after,
        passed=outcome.passed,
        problems=outcome.problems,
        duration=outcome.duration,
    )
    append_record(drills_file(state_dir), record)
    _report(drill, outcome)
    return outcome


def _resolved_fault(drill: Drill, nodes: tuple[str, ...]) -> str:
    """The fault as it was injected: ``vip-holder`` and ``other`` replaced by host names."""
    import dataclasses

    if drill.fault.kind == "outage":
        return str(drill.fault)
    return str(dataclasses.replace(drill.fault, nodes=nodes))


def _report(drill: Drill, outcome: Outcome) -> None:
    from runbook.docutils_.drill import budget_text

    figures = outcome.figures
    mttr = "not restored" if figures.mttr is None else f"{figures.mttr:.1f} s"
    lost = "-" if figures.lost_writes is None else str(figures.lost_writes)
    print(
        f"drill {drill.name}: downtime {figures.downtime:.1f} s, time to recovery {mttr}, "
        f"{figures.failed_requests} of {figures.requests} requests failed, "
        f"lost writes {lost} (budget: {budget_text(drill.budget)}); "
        f"took {outcome.duration:.0f} s"
    )
    for label, measured in outcome.probes.items():
        print(
            f"drill {drill.name}:   {label}: downtime {measured.downtime:.1f} s, "
            f"{measured.failed_requests} of {measured.requests} requests failed"
        )
    for problem in outcome.problems:
        print(f"drill {drill.name}: OVER BUDGET: {problem}")
    print(f"drill {drill.name}: {'passed' if outcome.passed else 'FAILED'}")
