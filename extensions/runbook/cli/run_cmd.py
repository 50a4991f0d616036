"""``runbook run``: execute a scenario's plan on its hosts, step by step, verified.

Exit statuses: 0 done, 1 a step failed (or, with ``--check``, some step would run),
2 usage, 3 refused before anything ran (plan, inventory, variables, journal, lock,
requirements, connection or host key), 130 interrupted (SIGINT or SIGTERM) or stopped
by the operator.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from runbook.cli.plan_cmd import add_plan_arguments, plan_from_args
from runbook.errors import RunbookError
from runbook.execution.errors import RefusedError, UsageError
from runbook.model import MASK, ScenarioGraph, Secret

# The engine (runner, transports, reports) is imported inside the functions that run a
# plan: every command's start-up, `runbook plan` and `--help` included, would pay for it.
if TYPE_CHECKING:
    from runbook.execution.events import Subscriber
    from runbook.execution.junit import JUnitReport
    from runbook.execution.runner import Decide, Decision
    from runbook.execution.session import Session, SessionOptions, StepChoice
    from runbook.plan.model import Plan, PlannedStep

ORDER = 40

EXIT_BY_STATUS = {"done": 0, "failed": 1, "interrupted": 130, "stopped": 130}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a scenario on its hosts, with verification, journal and resume",
        description="Run SCENARIO's steps on the hosts of an inventory over SSH: on each "
        "host the guard (unless), the script, then the verification with its retries. "
        "Every result goes to a journal, so a failed run can be resumed. "
        "Exit status: 0 done, 1 a step failed (--check: some step would run), 2 usage, "
        "3 refused before anything ran, 130 interrupted.",
    )
    add_plan_arguments(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan per host, variables resolved, secrets masked; connect to nothing",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="run only guards and verifications: per step and host, "
        "'already satisfied' or 'would run'",
    )
    parser.add_argument(
        "--step", action="store_true", help="ask before each step: run, skip, quit or show"
    )
    parser.add_argument(
        "--from", dest="start", metavar="STEP", help="start at STEP (id like galera/3, or number)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="STEPS",
        help="run only these steps (comma separated; repeatable)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="STEPS",
        help="leave these steps out (comma separated; repeatable)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue after the last step verified on every host (journal)",
    )
    deps = parser.add_mutually_exclusive_group()
    deps.add_argument(
        "--with-deps",
        action="store_true",
        help="first run the scenarios this one requires (unless complete)",
    )
    deps.add_argument(
        "--ignore-requires",
        action="store_true",
        help="do not check that required scenarios completed (journal)",
    )
    parser.add_argument(
        "--use",
        action="append",
        default=[],
        metavar="SCENARIO",
        help="among alternatives (scenarios that provide the same thing, like lb and "
        "keepalived), the one to deploy with --with-deps (repeatable; default: the one "
        "already deployed, else the first in the guide)",
    )
    parser.add_argument(
        "--limit", metavar="HOSTS", help="only these inventory hosts or groups (comma separated)"
    )
    parser.add_argument(
        "--forks",
        type=int,
        default=10,
        metavar="N",
        help="hosts run in parallel per step (default: 10)",
    )
    parser.add_argument(
        "--accept-new-hostkeys",
        action="store_true",
        help="record unknown host keys in known_hosts (changed keys are always refused)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="SSH connection timeout (default: 15)",
    )
    parser.add_argument(
        "--connect-retries",
        type=int,
        default=3,
        metavar="N",
        help="try a failed connection N more times, 1, 2, 4... seconds apart (default: 3)",
    )
    parser.add_argument(
        "--alive-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="declare a host lost when it acknowledges nothing for this long (default: 60)",
    )
    parser.add_argument(
        "--junit",
        type=Path,
        metavar="FILE",
        help="write a JUnit XML report (a test case per step and host)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="events as JSON lines on stdout (the console goes to stderr)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show every command's output, grouped per host"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="journal, locks and transcripts (default: $RUNBOOK_STATE_DIR, "
        "else $XDG_STATE_HOME/runbook, else ~/.local/state/runbook)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.execution.junit import JUnitReport
    from runbook.execution.session import (
        SessionOptions,
        StepChoice,
        check_requires,
        choose_alternatives,
        refuse_alternatives,
        require_inventory,
        requirement_plans,
    )
    from runbook.execution.statedir import default_state_dir
    from runbook.execution.transport import ConnectOptions

    if args.resume and (args.start or args.only or args.skip):
        raise UsageError("--resume chooses the steps itself: drop --from, --only and --skip")
    if args.forks < 1:
        raise UsageError("--forks must be 1 or more")
    if args.connect_retries < 0 or args.alive_timeout <= 0:
        raise UsageError("--connect-retries must be 0 or more and --alive-timeout above 0")
    plan = plan_or_refuse(args, args.scenario)
    if args.dry_run:
        return _dry_run(args, plan)
    require_inventory(plan, "a run needs hosts (`make run` uses the testbed's inventory)")
    options = SessionOptions(
        state_dir=args.state_dir or default_state_dir(),
        mode="check" if args.check else "run",
        forks=args.forks,
        connect=ConnectOptions(
            accept_new_hostkeys=args.accept_new_hostkeys,
            timeout=args.connect_timeout,
            retries=args.connect_retries,
            alive_timeout=args.alive_timeout,
        ),
    )
    required: list[Plan] = []
    if not args.check:
        graph = choose_alternatives(
            _requirement_graph(args, plan), plan, options.state_dir, tuple(args.use)
        )
        refuse_alternatives(plan, options.state_dir, _alternatives(args, plan))
        if args.with_deps:
            required = requirement_plans(
                graph, plan.scenario.name, lambda name: plan_or_refuse(args, name)
            )
        elif not args.ignore_requires:
            check_requires(plan, options.state_dir, graph)
    junit = JUnitReport(args.junit) if args.junit else None
    for dependency in required:
        status = _execute(args, dependency, options, StepChoice(limit=args.limit), junit)
        if status != 0:
            return status
    choice = StepChoice(
        start=args.start,
        only=tuple(args.only),
        skip=tuple(args.skip),
        limit=args.limit,
        resume=args.resume,
    )
    return _execute(args, plan, options, choice, junit, primary=True)


def _requirement_graph(args: argparse.Namespace, plan: Plan) -> ScenarioGraph:
    """The scenario and what it requires, from the guide (``--docs``)."""
    from runbook.docutils_.loader import requirement_graph

    return requirement_graph(plan.scenario, args.docs, cache=args.cache)


def _alternatives(args: argparse.Namespace, plan: Plan) -> ScenarioGraph:
    from runbook.docutils_.loader import alternatives_of

    return alternatives_of(plan.scenario, args.docs, cache=args.cache)


def plan_or_refuse(args: argparse.Namespace, ref: str) -> Plan:
    """Load and plan ``ref``; any problem here is a refusal (exit 3): nothing has run."""
    try:
        return plan_from_args(argparse.Namespace(**{**vars(args), "scenario": ref}))
    except (RunbookError, ValueError) as error:
        raise RefusedError(str(error)) from None


def _dry_run(args: argparse.Namespace, plan: Plan) -> int:
    from runbook.execution.dryrun import render_dry_run
    from runbook.execution.runner import default_environment
    from runbook.execution.selection import limit_hosts, select_steps

    steps = limit_hosts(plan, select_steps(plan, args.start, args.only, args.skip), args.limit)
    sys.stdout.write(render_dry_run(plan, steps, default_environment))
    return 0


def _execute(
    args: argparse.Namespace,
    plan: Plan,
    options: SessionOptions,
    choice: StepChoice,
    junit: JUnitReport | None,
    *,
    primary: bool = False,
) -> int:
    """One scenario's run through the shared lifecycle, reported on the console."""
    from runbook.execution.session import Session

    out = sys.stderr if args.json else sys.stdout
    session = Session(
        plan,
        options,
        say=lambda text: print(text, file=out),
        warn=lambda text: print(f"runbook: warning: {text}", file=sys.stderr),
    )
    if not primary and session.complete:
        print(
            f"{plan.scenario.name}: already complete (journal {session.files.journal}); "
            "not run again",
            file=out,
        )
        return 0
    chosen = session.choose(choice)
    subscribers = _subscribers(args, session, out, junit)
    status = session.run(chosen, subscribers, decide=_asker(plan) if args.step else None)
    return EXIT_BY_STATUS[status]


def _subscribers(
    args: argparse.Namespace, session: Session, out: TextIO, junit: JUnitReport | None
) -> list[Subscriber]:
    """What this command shows of the run: the console, and the reports asked for."""
    from runbook.execution.console import ConsoleReport, Hints
    from runbook.execution.jsonout import JsonEvents

    hints = Hints(resume=_resume_command(args, session.plan), transcripts=session.transcripts)
    rich = out.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ
    subscribers: list[Subscriber] = [
        ConsoleReport(out, rich=rich, verbose=args.verbose, hints=hints)
    ]
    if junit is not None:
        subscribers.append(junit)
    if args.json:
        subscribers.append(JsonEvents(sys.stdout))
    return subscribers


def _resume_command(args: argparse.Namespace, plan: Plan) -> str:
    """The command that resumes this run; secret values given with ``-e`` are not repeated."""
    words = ["runbook", "run", args.scenario]
    if args.inventory:
        words += ["-i", str(args.inventory)]
    if args.hosts:
        words += ["-H", args.hosts]
    for item in args.extra_vars:
        name, equals, _ = item.partition("=")
        resolved = plan.variables.get(name.strip()) if equals else None
        if resolved is not None and isinstance(resolved.value, Secret):
            item = f"{name}={MASK}"
        words += ["-e", item]
    if args.docs != Path("docs"):
        words += ["--docs", str(args.docs)]
    if args.limit:
        words += ["--limit", args.limit]
    if args.state_dir:
        words += ["--state-dir", str(args.state_dir)]
    return shlex.join([*words, "--resume"])


def _asker(plan: Plan) -> Decide:
    """``--step``: ask on the terminal before each step."""
    from runbook.execution.dryrun import render_dry_run
    from runbook.execution.runner import default_environment

    def decide(planned: PlannedStep) -> Decision:
        step = planned.step
        while True:
            sys.stderr.write(
                f"\nnext: {step.id} {step.title} on {', '.join(planned.hosts)}\n"
                "[r]un, [s]kip, [q]uit, s[h]ow? "
            )
            sys.stderr.flush()
            answer = sys.stdin.readline()
            if not answer:
                return "quit"
            choice = answer.strip().lower()[:1]
            if choice in ("r", "y", ""):
                return "run"
            if choice == "s":
                return "skip"
            if choice == "q":
                return "quit"
            if choice == "h":
                text = render_dry_run(plan, (planned,), default_environment)
                sys.stderr.write(text.split("\n\n", 1)[-1])

    return decide
