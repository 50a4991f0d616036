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

if TYPE_CHECKING:
    from runbook.execution.events import EventBus
    from runbook.execution.registered import RegisteredValues
    from runbook.execution.runner import Decide, Decision
    from runbook.model import Scenario
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
    from runbook.cli.plan_cmd import add_plan_arguments

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
    from runbook.execution.errors import UsageError

    if args.resume and (args.start or args.only or args.skip):
        raise UsageError("--resume chooses the steps itself: drop --from, --only and --skip")
    if args.forks < 1:
        raise UsageError("--forks must be 1 or more")
    if args.connect_retries < 0 or args.alive_timeout <= 0:
        raise UsageError("--connect-retries must be 0 or more and --alive-timeout above 0")
    scenario, plan = plan_or_refuse(args, args.scenario)
    if args.dry_run:
        return _dry_run(args, plan)
    if plan.inventory is None:
        from runbook.execution.errors import RefusedError

        raise RefusedError(
            "a run needs an inventory: give one with -i FILE (`make run` uses the testbed's)"
        )
    if args.with_deps and not args.check:
        for name in _dependencies(args, scenario):
            status = _run_dependency(args, name)
            if status != 0:
                return status
    elif not args.check and not args.ignore_requires:
        _check_requires(args, plan)
    return _execute(args, plan, primary=True)


# -- planning ---------------------------------------------------------------------------


def plan_or_refuse(args: argparse.Namespace, ref: str) -> tuple[Scenario, Plan]:
    """Load and plan ``ref``; any problem here is a refusal (exit 3): nothing has run."""
    from runbook.cli.plan_cmd import plan_from_args
    from runbook.errors import RunbookError
    from runbook.execution.errors import RefusedError

    try:
        plan = plan_from_args(argparse.Namespace(**{**vars(args), "scenario": ref}))
    except (RunbookError, ValueError) as error:
        raise RefusedError(str(error)) from None
    return plan.scenario, plan


def _environment_check(plan: Plan, steps: tuple[PlannedStep, ...]) -> None:
    """NUL bytes and bad names are refused before connecting, for every host of every step."""
    from runbook.execution.errors import RefusedError
    from runbook.execution.shell import check_environment
    from runbook.plan.environment import step_environment

    for planned in steps:
        for host in planned.hosts:
            try:
                check_environment(step_environment(plan, planned, host))
            except ValueError as error:
                raise RefusedError(f"step {planned.step.id} on {host}: {error}") from None


def _select(
    args: argparse.Namespace, plan: Plan, files: Any, out: TextIO
) -> tuple[tuple[PlannedStep, ...], dict[str, frozenset[str]]]:
    """The steps to run, and (resuming) the hosts where the first one is already verified."""
    from runbook.execution.fingerprint import plan_fingerprints
    from runbook.execution.journal import read_journal, resume_selection, verified_hosts
    from runbook.execution.selection import limit_hosts, select_steps

    steps = select_steps(plan, args.start, args.only, args.skip)
    verified: dict[str, frozenset[str]] = {}
    if args.resume:
        state = read_journal(files.journal)
        for warning in state.warnings:
            print(f"runbook: warning: {warning}", file=sys.stderr)
        if not state.exists:
            print(f"nothing to resume ({files.journal} has no run): starting at step 1", file=out)
        else:
            fingerprints = plan_fingerprints(plan)
            steps = resume_selection(state, plan.steps, fingerprints)
            if steps:
                first = steps[0]
                done = verified_hosts(state, first, fingerprints[plan.steps.index(first)])
                verified[first.step.id] = done
                also = f" (already verified on {', '.join(sorted(done))})" if done else ""
                print(f"resuming at {first.step.id} {first.step.title}{also}", file=out)
    return limit_hosts(plan, steps, args.limit), verified


# -- modes ------------------------------------------------------------------------------


def _dry_run(args: argparse.Namespace, plan: Plan) -> int:
    from runbook.execution.dryrun import render_dry_run
    from runbook.execution.runner import default_environment
    from runbook.execution.selection import limit_hosts, select_steps

    steps = limit_hosts(plan, select_steps(plan, args.start, args.only, args.skip), args.limit)
    sys.stdout.write(render_dry_run(plan, steps, default_environment))
    return 0


def _execute(args: argparse.Namespace, plan: Plan, *, primary: bool) -> int:
    from runbook.execution.fingerprint import inventory_key
    from runbook.execution.lock import RunLock
    from runbook.execution.registered import RegisteredValues
    from runbook.execution.runner import new_run_id
    from runbook.execution.signals import stop_on_signals
    from runbook.execution.statedir import RunFiles, default_state_dir

    out = sys.stderr if args.json else sys.stdout
    files = RunFiles(
        args.state_dir or default_state_dir(), plan.scenario.name, inventory_key(plan.inventory)
    )
    steps, verified = _select(args, plan, files, out) if primary else (_select_all(args, plan), {})
    if not steps:
        print(
            f"{plan.scenario.name}: nothing to run: every step is verified on every host", file=out
        )
        if args.resume and primary and not args.check:
            _record_completion(plan, files)
        return 0
    _environment_check(plan, steps)
    registered = RegisteredValues.load(files.registered, keep=not args.check)
    if not args.check:
        _refuse_missing_values(plan, steps, registered)
    run_id = new_run_id()
    with stop_on_signals():
        bus = _bus(args, plan, files, run_id, out)
        lock = RunLock(files.lock) if not args.check else None
        if lock is not None:
            lock.acquire()
        try:
            return _connected(args, plan, steps, verified, registered, bus, run_id)
        finally:
            if lock is not None:
                lock.release()


def _record_completion(plan: Plan, files: Any) -> None:
    """Journal a run of no steps, so that the journal says the scenario is complete.

    A run killed after its last step's records but before its own end record leaves every
    step done and the scenario not complete; ``--resume`` then has nothing to run, and
    this run (which connects to nothing) ends with the completion the dead one missed.
    """
    from runbook.execution.events import EventBus
    from runbook.execution.journal import JournalWriter
    from runbook.execution.lock import RunLock
    from runbook.execution.runner import Runner

    lock = RunLock(files.lock)
    lock.acquire()
    try:
        Runner(plan, {}, EventBus(JournalWriter(files.journal))).run(())
    finally:
        lock.release()


def _connected(
    args: argparse.Namespace,
    plan: Plan,
    steps: tuple[PlannedStep, ...],
    verified: dict[str, frozenset[str]],
    registered: RegisteredValues,
    bus: EventBus,
    run_id: str,
) -> int:
    """Connect every host, lock them (unless ``--check``), run, then unlock and disconnect."""
    from runbook.execution.connect import ConnectOptions, close_all, open_all, ssh_factory
    from runbook.execution.hostlock import Holder, HostLocks
    from runbook.execution.runner import Runner, hosts_needed

    options = ConnectOptions(
        accept_new_hostkeys=args.accept_new_hostkeys,
        timeout=args.connect_timeout,
        retries=args.connect_retries,
        alive_timeout=args.alive_timeout,
    )
    transports = open_all(hosts_needed(plan, steps), ssh_factory(plan, options))
    try:
        locks = HostLocks(transports, Holder.this_run(plan.scenario.name, run_id))
        if not args.check:
            locks.acquire()
            for note in locks.notes:
                print(f"runbook: warning: {note}", file=sys.stderr)
        try:
            runner = Runner(
                plan,
                transports,
                bus,
                mode="check" if args.check else "run",
                forks=args.forks,
                decide=_asker(plan) if args.step else None,
                run_id=run_id,
                verified=verified,
                registered=registered,
            )
            finished = runner.run(steps)
        finally:
            locks.release()
    finally:
        close_all(transports.values())
    return EXIT_BY_STATUS[finished.status]


def _refuse_missing_values(
    plan: Plan, steps: tuple[PlannedStep, ...], registered: RegisteredValues
) -> None:
    """Refuse before connecting when a step would run without a value it uses."""
    from runbook.execution.errors import RefusedError
    from runbook.execution.registered import missing_values

    chosen = {planned.step.id for planned in steps}
    ids = [planned.step.id for planned in plan.steps]
    last = max(ids.index(step_id) for step_id in chosen)
    skipped = [planned for planned in plan.steps[:last] if planned.step.id not in chosen]
    reasons = missing_values(skipped, steps, registered)
    if reasons:
        raise RefusedError(f"{plan.scenario.name}: " + "; ".join(reasons))


def _select_all(args: argparse.Namespace, plan: Plan) -> tuple[PlannedStep, ...]:
    from runbook.execution.selection import limit_hosts

    return limit_hosts(plan, plan.steps, args.limit)


def _bus(args: argparse.Namespace, plan: Plan, files: Any, run_id: str, out: TextIO) -> EventBus:
    from runbook.execution.console import ConsoleReport, Hints
    from runbook.execution.events import EventBus
    from runbook.execution.journal import JournalWriter
    from runbook.execution.jsonout import JsonEvents
    from runbook.execution.junit import JUnitReport
    from runbook.execution.transcript import TranscriptWriter

    transcripts = files.transcripts(run_id)
    hints = Hints(resume=_resume_command(args, plan), transcripts=transcripts)
    rich = out.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ
    bus = EventBus(ConsoleReport(out, rich=rich, verbose=args.verbose, hints=hints))
    if not args.check:
        bus.subscribe(JournalWriter(files.journal))
        bus.subscribe(TranscriptWriter(transcripts))
    if args.junit:
        bus.subscribe(JUnitReport(args.junit))
    if args.json:
        bus.subscribe(JsonEvents(sys.stdout))
    return bus


def _resume_command(args: argparse.Namespace, plan: Plan) -> str:
    """The command that resumes this run; secret values given with ``-e`` are not repeated."""
    from runbook.model import MASK, Secret

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


# -- requirements -----------------------------------------------------------------------


def _check_requires(args: argparse.Namespace, plan: Plan) -> None:
    from runbook.execution.errors import RefusedError
    from runbook.execution.fingerprint import inventory_key
    from runbook.execution.journal import read_journal
    from runbook.execution.statedir import RunFiles, default_state_dir

    files = RunFiles(
        args.state_dir or default_state_dir(), plan.scenario.name, inventory_key(plan.inventory)
    )
    missing = [
        name
        for name in plan.scenario.requires
        if not read_journal(files.for_scenario(name).journal).complete
    ]
    if missing:
        raise RefusedError(
            f"scenario {plan.scenario.name} requires {', '.join(missing)}, not yet run to "
            "completion against this inventory (by the journal); run "
            f"{'them' if len(missing) > 1 else 'it'} first, add --with-deps, or "
            "--ignore-requires if it was done another way"
        )


def _dependencies(args: argparse.Namespace, scenario: Scenario) -> list[str]:
    """Required scenarios, transitively, in the scenario graph's deployment order.

    Loading the scenario already refused a requirement that names no scenario, or a cycle.
    """
    from runbook.docutils_.loader import requirement_graph

    return requirement_graph(scenario, args.docs, cache=args.cache).requirements(scenario.name)


def _run_dependency(args: argparse.Namespace, name: str) -> int:
    from runbook.execution.fingerprint import inventory_key
    from runbook.execution.journal import read_journal
    from runbook.execution.statedir import RunFiles, default_state_dir

    _scenario, plan = plan_or_refuse(args, name)
    files = RunFiles(args.state_dir or default_state_dir(), name, inventory_key(plan.inventory))
    out = sys.stderr if args.json else sys.stdout
    if read_journal(files.journal).complete:
        print(f"{name}: already complete (journal {files.journal}); not run again", file=out)
        return 0
    return _execute(args, plan, primary=False)
