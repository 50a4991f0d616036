"""One run's lifecycle, shared by ``runbook run`` and ``runbook train``: from choosing the
steps to closing the last connection.

Everything that can refuse without touching a host comes first (steps, resume,
requirements, values, the control host's run lock), then the connections, then every
host's lock, then the steps. On the way out the hosts' locks, the connections and the run
lock are let go in the reverse order, whatever happened. A trainee therefore takes the
same locks as a run: neither can start on hosts the other holds.

The commands decide what to print; this module tells them through ``say`` and ``warn``
and raises :mod:`runbook.execution.errors` when it refuses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from runbook.execution.connect import (
    TransportFactory,
    close_all,
    open_all,
    ssh_factory,
)
from runbook.execution.errors import RefusedError
from runbook.execution.events import EventBus, Mode, RunStatus, Subscriber
from runbook.execution.fingerprint import inventory_key, plan_fingerprints
from runbook.execution.hostlock import LOCK_FILE, Holder, HostLocks
from runbook.execution.journal import (
    JournalWriter,
    read_journal,
    resume_selection,
    verified_hosts,
)
from runbook.execution.lock import RunLock
from runbook.execution.registered import RegisteredValues, missing_values
from runbook.execution.runner import Decide, Runner, hosts_needed, new_run_id
from runbook.execution.selection import limit_hosts, select_steps
from runbook.execution.shell import check_environment
from runbook.execution.signals import stop_on_signals
from runbook.execution.statedir import RunFiles
from runbook.execution.transcript import TranscriptWriter
from runbook.execution.transport import ConnectOptions, Transport
from runbook.model.graph import ScenarioGraph
from runbook.plan.environment import step_environment
from runbook.plan.model import Plan, PlannedStep

#: Where the session tells the command something worth printing.
Say = Callable[[str], None]


def _silent(text: str) -> None:
    """The default listener: a session used from code prints nothing."""


@dataclass(frozen=True, slots=True)
class StepChoice:
    """Which steps: ``--from``, ``--only``, ``--skip``, ``--limit``, or ``--resume``."""

    start: str | None = None
    only: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    limit: str | None = None
    resume: bool = False


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How a session runs, the same for each scenario of one command."""

    state_dir: Path
    mode: Mode = "run"
    #: Keep a journal and transcripts (``runbook run``); training keeps no record.
    record: bool = True
    forks: int = 10
    connect: ConnectOptions = field(default_factory=ConnectOptions)
    #: The lock file on each host (a test points it into its own directory).
    host_lock: str = LOCK_FILE

    @property
    def locking(self) -> bool:
        """``--check`` changes nothing, so it waits for no one and keeps no one waiting."""
        return self.mode == "run"


@dataclass(frozen=True, slots=True)
class Chosen:
    """The steps to run and, resuming, the hosts on which the first is already verified."""

    steps: tuple[PlannedStep, ...]
    verified: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Chosen by ``--resume`` from the journal.
    resumed: bool = False


def require_inventory(plan: Plan, why: str) -> None:
    """Refuse a plan made without hosts: ``why`` says what needs them."""
    if plan.inventory is None:
        raise RefusedError(f"{why}: give an inventory with -i FILE (or hosts with -H)")


def requirement_plans(
    graph: ScenarioGraph, name: str, plan_named: Callable[[str], Plan]
) -> list[Plan]:
    """The plans of the scenarios ``name`` requires, transitively, in the graph's deployment
    order (its choices among alternatives); each is loaded and planned once, by
    ``plan_named``, before any of them runs."""
    return [plan_named(required) for required in graph.requirements(name)]


def _complete(plan: Plan, state_dir: Path, name: str) -> bool:
    return read_journal(run_files(plan, state_dir).for_scenario(name).journal).complete


def choose_alternatives(
    graph: ScenarioGraph, plan: Plan, state_dir: Path, asked: Sequence[str] = ()
) -> ScenarioGraph:
    """The graph with one provider chosen for each alternative the requirements meet.

    The one asked for (``--use``) wins; else the one that already ran to completion against
    this inventory; else the graph's default: one that a scenario requires by name (it is
    deployed anyway, and a second provider would fight it), else the first in guide order.
    Asking for a scenario that provides nothing the requirements need is refused.
    """
    choices: dict[str, str] = {}
    used: set[str] = set()
    for provided, providers in graph.alternatives().items():
        wanted = [name for name in asked if name in providers]
        done = [name for name in providers if _complete(plan, state_dir, name)]
        chosen = (wanted or done or [graph.chosen(provided) or providers[0]])[0]
        choices[provided] = chosen
        used.update(wanted)
    unused = [name for name in asked if name not in used]
    if unused:
        offered = "; ".join(f"{p}: {', '.join(n)}" for p, n in graph.alternatives().items())
        raise RefusedError(
            f"--use {', '.join(unused)}: not an alternative that {plan.scenario.name} requires"
            + (f" (its alternatives: {offered})" if offered else " (it requires none)")
        )
    return ScenarioGraph(graph.scenarios, choices)


def check_requires(plan: Plan, state_dir: Path, graph: ScenarioGraph | None = None) -> None:
    """Refuse unless every requirement of ``plan`` has a complete run in its journal: the
    scenario it names, or any one scenario that provides it."""
    graph = graph or ScenarioGraph({plan.scenario.name: plan.scenario})
    missing = [
        requirement
        for requirement in plan.scenario.requires
        if not any(_complete(plan, state_dir, name) for name in graph.meets(requirement))
    ]
    if missing:
        raise RefusedError(
            f"scenario {plan.scenario.name} requires {', '.join(missing)}, not yet run to "
            "completion against this inventory (by the journal); run "
            f"{'them' if len(missing) > 1 else 'it'} first, add --with-deps, or "
            "--ignore-requires if it was done another way"
        )


def refuse_alternatives(plan: Plan, state_dir: Path, alternatives: ScenarioGraph) -> None:
    """Refuse a scenario whose alternative already ran against this inventory.

    Alternatives provide the same thing in their own ways (lb's Pacemaker VIP, keepalived's
    VRRP): both on the same hosts would fight over it.
    """
    for provided in plan.scenario.provides:
        for other in alternatives.providers(provided):
            if other != plan.scenario.name and _complete(plan, state_dir, other):
                raise RefusedError(
                    f"scenario {plan.scenario.name} provides {provided}, which {other} already "
                    "provides on this inventory (its journal says it ran to completion); "
                    "alternatives must not run on the same hosts: undo "
                    f"{other} first, or use another inventory"
                )


def run_files(plan: Plan, state_dir: Path) -> RunFiles:
    return RunFiles(state_dir, plan.scenario.name, inventory_key(plan.inventory))


class Session:
    """One scenario run against one inventory: its files, its locks and its connections."""

    def __init__(
        self,
        plan: Plan,
        options: SessionOptions,
        *,
        factory: TransportFactory | None = None,
        say: Say | None = None,
        warn: Say | None = None,
    ) -> None:
        self.plan = plan
        self.options = options
        self.factory = factory or ssh_factory(plan, options.connect)
        self.say = say or _silent
        self.warn = warn or _silent
        self.files = run_files(plan, options.state_dir)
        self.run_id = new_run_id()

    @property
    def transcripts(self) -> Path:
        """Where this run's transcripts go (written only when the session records)."""
        return self.files.transcripts(self.run_id)

    @property
    def complete(self) -> bool:
        """The journal's last run of this scenario did every step on every host."""
        return read_journal(self.files.journal).complete

    # -- before connecting ----------------------------------------------------------------

    def choose(self, choice: StepChoice) -> Chosen:
        """The steps to run; resuming, where the journal says the last run stopped."""
        plan = self.plan
        steps = select_steps(plan, choice.start, choice.only, choice.skip)
        verified: dict[str, frozenset[str]] = {}
        if choice.resume:
            state = read_journal(self.files.journal)
            for warning in state.warnings:
                self.warn(warning)
            if not state.exists:
                self.say(f"nothing to resume ({self.files.journal} has no run): starting at step 1")
            else:
                fingerprints = plan_fingerprints(plan)
                steps = resume_selection(state, plan.steps, fingerprints)
                if steps:
                    first = steps[0]
                    done = verified_hosts(state, first, fingerprints[plan.steps.index(first)])
                    verified[first.step.id] = done
                    also = f" (already verified on {', '.join(sorted(done))})" if done else ""
                    self.say(f"resuming at {first.step.id} {first.step.title}{also}")
        return Chosen(limit_hosts(plan, steps, choice.limit), verified, resumed=choice.resume)

    def prepare(self, steps: Sequence[PlannedStep]) -> RegisteredValues:
        """Refuse values no host could be given, and steps that would lack a registered value;
        the values earlier runs registered, to run with."""
        self._check_environment(steps)
        keep = self.options.mode == "run" and self.options.record
        registered = RegisteredValues.load(self.files.registered, keep=keep)
        if self.options.mode == "run":
            self._refuse_missing_values(steps, registered)
        return registered

    def _check_environment(self, steps: Sequence[PlannedStep]) -> None:
        """NUL bytes and bad names are refused before connecting, for every host of every step."""
        for planned in steps:
            for host in planned.hosts:
                try:
                    check_environment(step_environment(self.plan, planned, host))
                except ValueError as error:
                    raise RefusedError(f"step {planned.step.id} on {host}: {error}") from None

    def _refuse_missing_values(
        self, steps: Sequence[PlannedStep], registered: RegisteredValues
    ) -> None:
        plan = self.plan
        chosen = {planned.step.id for planned in steps}
        ids = [planned.step.id for planned in plan.steps]
        last = max(ids.index(step_id) for step_id in chosen)
        skipped = [planned for planned in plan.steps[:last] if planned.step.id not in chosen]
        reasons = missing_values(skipped, tuple(steps), registered)
        if reasons:
            raise RefusedError(f"{plan.scenario.name}: " + "; ".join(reasons))

    # -- locked and connected -------------------------------------------------------------

    @contextlib.contextmanager
    def connected(self, steps: Sequence[PlannedStep]) -> Iterator[dict[str, Transport]]:
        """The run lock, then every host connected and locked; all let go on the way out."""
        run_lock = RunLock(self.files.lock) if self.options.locking else None
        if run_lock is not None:
            run_lock.acquire()
        try:
            transports = open_all(hosts_needed(self.plan, steps), self.factory)
            try:
                holder = Holder.this_run(self.plan.scenario.name, self.run_id)
                locks = HostLocks(transports, holder, path=self.options.host_lock)
                if run_lock is not None:
                    locks.acquire()
                    for note in locks.notes:
                        self.warn(note)
                try:
                    yield transports
                finally:
                    locks.release()
            finally:
                close_all(transports.values())
        finally:
            if run_lock is not None:
                run_lock.release()

    def run(
        self,
        chosen: Chosen,
        subscribers: Sequence[Subscriber] = (),
        *,
        decide: Decide | None = None,
    ) -> RunStatus:
        """Run the chosen steps with every check and lock; what ran goes to ``subscribers``
        (and, when the session records, to the journal and transcripts)."""
        if not chosen.steps:
            self.say(
                f"{self.plan.scenario.name}: nothing to run: every step is verified on every host"
            )
            if chosen.resumed and self.options.mode == "run" and self.options.record:
                self.record_completion()
            return "done"
        registered = self.prepare(chosen.steps)
        with stop_on_signals():
            # The records first: each event is on disk before anything shows it.
            bus = EventBus()
            if self.options.mode == "run" and self.options.record:
                bus.subscribe(JournalWriter(self.files.journal))
                bus.subscribe(TranscriptWriter(self.transcripts))
            for subscriber in subscribers:
                bus.subscribe(subscriber)
            with self.connected(chosen.steps) as transports:
                runner = Runner(
                    self.plan,
                    transports,
                    bus,
                    mode=self.options.mode,
                    forks=self.options.forks,
                    decide=decide,
                    run_id=self.run_id,
                    verified=chosen.verified,
                    registered=registered,
                )
                return runner.run(chosen.steps).status

    def record_completion(self) -> None:
        """Journal a run of no steps, so that the journal says the scenario is complete.

        A run killed after its last step's records but before its own end record leaves
        every step done and the scenario not complete; ``--resume`` then has nothing to
        run, and this run (which connects to nothing) ends with the completion the dead
        one missed.
        """
        with RunLock(self.files.lock):
            bus = EventBus(JournalWriter(self.files.journal))
            Runner(self.plan, {}, bus, run_id=self.run_id).run(())
