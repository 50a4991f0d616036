"""The runner: executes a plan's steps on their hosts and emits what happens as events.

Per step and host: guard (``unless``; exit 0 means already done, the host is skipped),
then the files of ``copy``, then the script (it must exit with its expected status), then
the verification (retried within its delay and timeout). A step's hosts run in parallel
in a bounded pool (``forks``), in rolling batches of ``serial``; ``run_once`` keeps the
first host only. The first failure stops the run once the hosts already running that
step finish. ``check`` mode runs only guards and verifications. After the steps, in
``run`` mode, each host that ran them is asked once for its OS and the versions of the
packages the scenario installs (:mod:`runbook.execution.hostfacts`); that question never
fails a run.

A host lost in the middle of a command fails that step there, with a message naming the
host, the step and the phase, since nothing can tell whether the command finished; a
guard, being an observation, is asked once more over a new connection first. A resumed
run passes ``verified``: the hosts on which a step is already done are left out of it.

Nothing here prints or writes files: console, journal, transcripts and reports subscribe
to the :class:`~runbook.execution.events.EventBus`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from typing import Literal

from runbook.execution import copying
from runbook.execution.events import (
    CommandDone,
    EventBus,
    HostDone,
    HostFacts,
    Mode,
    RunFinished,
    RunStarted,
    RunStatus,
    StepDone,
    StepSkipped,
    StepStarted,
    VerifyTry,
)
from runbook.execution.fingerprint import inventory_key, inventory_name, plan_fingerprints
from runbook.execution.hostfacts import TIMEOUT as FACTS_TIMEOUT
from runbook.execution.hostfacts import facts_command, parse_facts
from runbook.execution.packages import installed_packages
from runbook.execution.registered import RegisteredValues
from runbook.execution.results import CommandResult, HostOutcome, HostStatus, Phase
from runbook.execution.shell import script_text
from runbook.execution.transport import Transport
from runbook.execution.verify import mismatch, run_verification
from runbook.model import Secret, Step, Value, mask_text
from runbook.plan.model import Plan, PlannedStep
from runbook.plan.serialize import plan_digest

Decision = Literal["run", "skip", "quit"]
#: Asked before each step in ``--step`` mode.
Decide = Callable[[PlannedStep], Decision]
#: The step environment contract (runbook.plan.environment.step_environment's signature).
Environment = Callable[[Plan, PlannedStep, str, Mapping[str, Value]], dict[str, Value]]

HIDDEN = "(output hidden: sensitive step)"
TAIL_LINES = 20


def default_environment(
    plan: Plan, planned: PlannedStep, host: str, registered: Mapping[str, Value]
) -> dict[str, Value]:
    from runbook.plan.environment import step_environment

    return step_environment(plan, planned, host, registered=registered)


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


def hosts_needed(plan: Plan, steps: Sequence[PlannedStep]) -> tuple[str, ...]:
    """Every host the steps touch, copy sources included, in first-use order."""
    names: list[str] = []
    for planned in steps:
        source = copying.copy_source(planned)
        for name in (*planned.hosts, *([source] if source else [])):
            if name not in names:
                names.append(name)
    return tuple(names)


class Runner:
    """Runs selected steps of one plan over already opened transports."""

    def __init__(
        self,
        plan: Plan,
        transports: Mapping[str, Transport],
        bus: EventBus,
        *,
        mode: Mode = "run",
        forks: int = 10,
        decide: Decide | None = None,
        environment: Environment = default_environment,
        run_id: str | None = None,
        verified: Mapping[str, frozenset[str]] | None = None,
        registered: RegisteredValues | None = None,
    ) -> None:
        self.plan = plan
        self.transports = transports
        self.bus = bus
        self.mode = mode
        self.forks = max(1, forks)
        self.decide = decide
        self.environment = environment
        self.run_id = run_id or new_run_id()
        self.verified = verified or {}
        self._cancelled = threading.Event()
        #: Set by the first host that fails a step: hosts of that step not yet started stay so.
        self._step_failed = threading.Event()
        self._registered = registered if registered is not None else RegisteredValues()
        self._secrets: list[Secret] = plan_secrets(plan)
        self._secrets_lock = threading.Lock()

    # -- the run -------------------------------------------------------------------------

    def run(self, steps: Sequence[PlannedStep]) -> RunFinished:
        plan = self.plan
        self.bus.emit(
            RunStarted(
                run_id=self.run_id,
                scenario=plan.scenario.name,
                title=plan.scenario.title,
                docname=plan.scenario.docname,
                mode=self.mode,
                digest=plan.digest or plan_digest(plan),
                inventory=inventory_key(plan.inventory),
                planned=plan.steps,
                fingerprints=plan_fingerprints(plan),
                selected=tuple(p.step.id for p in steps),
                hosts=hosts_needed(plan, steps),
                inventory_name=inventory_name(plan.inventory),
            )
        )
        started = time.monotonic()
        status: RunStatus = "done"
        failures: list[tuple[Step, HostOutcome]] = []
        interrupted: Step | None = None
        counts: dict[str, int] = {}
        current: Step | None = None
        #: Hosts on which some step's commands ran in this run, in first-use order.
        worked: dict[str, None] = {}
        with ThreadPoolExecutor(max_workers=self.forks, thread_name_prefix="runbook") as pool:
            try:
                for position, planned in enumerate(steps, start=1):
                    current = planned.step
                    if self._cancelled.is_set():
                        status, interrupted = "interrupted", planned.step
                        break
                    if self.decide is not None:
                        choice = self.decide(planned)
                        if choice == "quit":
                            status, interrupted = "stopped", planned.step
                            break
                        if choice == "skip":
                            self.bus.emit(StepSkipped(planned.step, "skipped by the operator"))
                            continue
                    hosts = planned.hosts[:1] if planned.step.options.run_once else planned.hosts
                    if not hosts:
                        self.bus.emit(StepSkipped(planned.step, "no host left after --limit"))
                        continue
                    verified = self.verified.get(planned.step.id, frozenset())
                    hosts = tuple(host for host in hosts if host not in verified)
                    if not hosts:
                        self.bus.emit(StepSkipped(planned.step, "already verified on every host"))
                        continue
                    self.bus.emit(StepStarted(planned.step, hosts, position, len(steps)))
                    step_started = time.monotonic()
                    outcomes, was_interrupted = self._run_step(pool, planned, hosts)
                    self.bus.emit(
                        StepDone(planned.step, tuple(outcomes), time.monotonic() - step_started)
                    )
                    for outcome in outcomes:
                        counts[outcome.status] = counts.get(outcome.status, 0) + 1
                        if outcome.status in ("ok", "skipped", "failed"):
                            worked.setdefault(outcome.host, None)
                        if outcome.status in ("failed", "interrupted"):
                            failures.append((planned.step, outcome))
                    if was_interrupted:
                        status, interrupted = "interrupted", planned.step
                        break
                    if self.mode == "run" and any(o.failed for o in outcomes):
                        status = "failed"
                        break
            except KeyboardInterrupt:
                self._interrupt()
                status, interrupted = "interrupted", current
            if self.mode == "run" and status in ("done", "failed"):
                self._ask_facts(pool, tuple(worked))
        if self.mode == "check" and status == "done" and counts.get("would-run"):
            status = "failed"
        finished = RunFinished(
            status=status,
            duration=time.monotonic() - started,
            failures=tuple(failures),
            interrupted=interrupted,
            counts=counts,
        )
        self.bus.emit(finished)
        return finished

    def _ask_facts(self, pool: ThreadPoolExecutor, hosts: tuple[str, ...]) -> None:
        """Each host's OS and package versions, in parallel; Ctrl-C here ends only this."""
        # Hosts that ran the same steps ask about the same packages: read the scripts once.
        by_steps: dict[tuple[int, ...], tuple[str, ...]] = {}
        futures = []
        for host in hosts:
            ran = tuple(i for i, planned in enumerate(self.plan.steps) if host in planned.hosts)
            if ran not in by_steps:
                by_steps[ran] = installed_packages(self.plan.steps[i].step.script for i in ran)
            futures.append(pool.submit(self._facts, host, by_steps[ran]))
        try:
            wait(futures)
        except KeyboardInterrupt:
            self._interrupt()

    def _facts(self, host: str, packages: tuple[str, ...]) -> None:
        """One command on ``host``; whatever goes wrong, it records less, never fails."""
        transport = self.transports.get(host)
        if transport is None or not transport.alive or self._cancelled.is_set():
            return
        try:
            result = transport.run_script(script_text({}, facts_command(packages)), FACTS_TIMEOUT)
        except Exception:  # a question about the host must not turn a passed run into a crash
            return
        if result.exit_status != 0:
            return
        system, versions = parse_facts(result.out, packages)
        self.bus.emit(
            HostFacts(
                host=host,
                os=self._mask(system),
                packages={
                    name: None if version is None else self._mask(version)
                    for name, version in versions.items()
                },
            )
        )

    def _interrupt(self) -> None:
        """Stop every command in flight; workers then return ``interrupted`` outcomes."""
        self._cancelled.set()
        for transport in self.transports.values():
            transport.abort()

    def _run_step(
        self, pool: ThreadPoolExecutor, planned: PlannedStep, hosts: tuple[str, ...]
    ) -> tuple[list[HostOutcome], bool]:
        step = planned.step
        self._step_failed.clear()
        payload: bytes | None = None
        source = copying.copy_source(planned) if self.mode == "run" else None
        if source is not None:
            payload, failure = self._pack(planned, source)
            if failure is not None:
                self.bus.emit(HostDone(step, failure))
                return [failure], failure.status == "interrupted"
        size = step.options.serial or len(hosts)
        batches = [hosts[i : i + size] for i in range(0, len(hosts), size)]
        outcomes: dict[str, HostOutcome] = {}
        interrupted = False
        for batch in batches:
            futures = {
                pool.submit(self._on_host, planned, host, payload, source): host for host in batch
            }
            try:
                self._collect(futures, outcomes)
            except KeyboardInterrupt:
                self._interrupt()
                interrupted = True
                for future, host in futures.items():
                    if not future.cancel():
                        outcomes[host] = future.result()
            if interrupted or any(o.failed for o in outcomes.values()):
                break
        for host in hosts:
            if host not in outcomes:
                outcomes[host] = HostOutcome(step.id, host, "not-run", message="not started")
                self.bus.emit(HostDone(step, outcomes[host]))
        return [outcomes[host] for host in hosts], interrupted or self._cancelled.is_set()

    def _collect(
        self, futures: dict[Future[HostOutcome], str], outcomes: dict[str, HostOutcome]
    ) -> None:
        """Wait for a batch; after a failure, hosts not yet started are not started."""
        stopping = False
        for future in as_completed(futures):
            if future.cancelled():
                continue
            outcome = future.result()
            outcomes[futures[future]] = outcome
            if outcome.failed and self.mode == "run" and not stopping:
                stopping = True
                for other in futures:
                    other.cancel()

    # -- one step on one host ---------------------------------------------------------

    def _on_host(
        self, planned: PlannedStep, host: str, payload: bytes | None, source: str | None
    ) -> HostOutcome:
        started = time.monotonic()
        if self._step_failed.is_set():
            outcome = self._outcome(
                planned, host, "not-run", started, message="not started: another host failed"
            )
            self.bus.emit(HostDone(planned.step, outcome))
            return outcome
        try:
            if self.mode == "check":
                outcome = self._check_host(planned, host, started)
            else:
                outcome = self._run_host(planned, host, payload, source, started)
        except Exception as error:  # one host's bug must not hang the others
            outcome = self._outcome(
                planned, host, "failed", started, message=f"{type(error).__name__}: {error}"
            )
        if self._cancelled.is_set() and outcome.status not in ("ok", "skipped", "satisfied"):
            outcome = self._outcome(planned, host, "interrupted", started, phase=outcome.phase)
        if outcome.failed and self.mode == "run":
            self._step_failed.set()
        self.bus.emit(HostDone(planned.step, outcome))
        return outcome

    def _run_host(
        self,
        planned: PlannedStep,
        host: str,
        payload: bytes | None,
        source: str | None,
        started: float,
    ) -> HostOutcome:
        step = planned.step
        env = self.environment(self.plan, planned, host, self._registered.visible_on(host))
        if step.guard is not None:
            result = self._command(planned, host, "guard", step.guard, env)
            if result.lost and not result.unreachable:
                result = self._command(planned, host, "guard", step.guard, env, attempt=2)
            if result.lost:
                return self._failed(planned, host, "guard", result, 0, started, "")
            if result.exit_status == 0:
                return self._outcome(
                    planned,
                    host,
                    "skipped",
                    started,
                    phase="guard",
                    exit_status=0,
                    message="already done: its guard (unless) succeeds",
                )
        if payload is not None and host != source:
            result = self._copied(
                planned, host, copying.UNPACK, self.transports[host].put_files(payload), payload
            )
            if result.exit_status != 0:
                return self._failed(
                    planned,
                    host,
                    "copy",
                    result,
                    0,
                    started,
                    "the copied files could not be unpacked",
                )
        if step.script.strip():
            result = self._command(planned, host, "script", step.script, env)
            expected = step.options.expect_exit
            if result.exit_status != expected:
                return self._failed(
                    planned,
                    host,
                    "script",
                    result,
                    expected,
                    started,
                    f"exit status {result.exit_status}, expected {expected}",
                )
            if step.options.register is not None:
                value = result.out.strip()
                stored: Value = Secret(value) if step.options.sensitive else value
                if isinstance(stored, Secret):
                    with self._secrets_lock:
                        self._secrets.append(stored)
                self._registered.store(host, step.options.register, stored)
        if step.verify is None:
            return self._outcome(planned, host, "ok", started, phase="script", exit_status=0)
        verify = step.verify
        attempt_number = 0

        def attempt(remaining: float | None) -> CommandResult:
            nonlocal attempt_number
            attempt_number += 1
            return self._command(
                planned,
                host,
                "verify",
                verify.command,
                env,
                timeout=remaining,
                attempt=attempt_number,
            )

        def on_retry(number: int, attempts: int, reason: str, delay: float) -> None:
            self.bus.emit(VerifyTry(step, host, number, attempts, reason, delay))

        verdict = run_verification(
            verify,
            attempt,
            on_retry=on_retry,
            cancelled=self._cancelled,
            mask=lambda text: self._shown(planned, text),
        )
        if verdict.passed:
            return self._outcome(planned, host, "ok", started, phase="verify", exit_status=0)
        assert verdict.last is not None
        return self._failed(
            planned,
            host,
            "verify",
            verdict.last,
            verify.expect_exit,
            started,
            f"verification failed: {verdict.reason}",
        )

    def _check_host(self, planned: PlannedStep, host: str, started: float) -> HostOutcome:
        """Guard and verification only: do they already hold on this host?"""
        step = planned.step
        env = self.environment(self.plan, planned, host, self._registered.visible_on(host))
        if step.guard is not None:
            result = self._command(planned, host, "guard", step.guard, env)
            if result.exit_status == 0:
                return self._outcome(
                    planned,
                    host,
                    "satisfied",
                    started,
                    phase="guard",
                    message="its guard (unless) succeeds",
                )
        if step.verify is not None:
            result = self._command(
                planned, host, "verify", step.verify.command, env, timeout=step.verify.timeout
            )
            why = mismatch(step.verify, result, lambda text: self._shown(planned, text))
            if why is None:
                return self._outcome(
                    planned,
                    host,
                    "satisfied",
                    started,
                    phase="verify",
                    message="its verification passes",
                )
            return self._outcome(
                planned,
                host,
                "would-run",
                started,
                phase="verify",
                exit_status=result.exit_status,
                message=f"its verification says: {why}",
            )
        reason = "its guard fails" if step.guard is not None else "no guard"
        return self._outcome(
            planned,
            host,
            "would-run",
            started,
            phase="guard",
            message=f"{reason}, and no verification to ask",
        )

    def _pack(self, planned: PlannedStep, source: str) -> tuple[bytes | None, HostOutcome | None]:
        """Read the step's ``copy`` paths from the source host into memory."""
        started = time.monotonic()
        paths = planned.step.options.copy_paths
        result = self._copied(
            planned,
            source,
            copying.pack_command(paths),
            self.transports[source].get_files(paths),
            b"",
        )
        if self._cancelled.is_set():
            return None, self._outcome(planned, source, "interrupted", started, phase="copy")
        if result.exit_status != 0:
            return None, self._failed(
                planned, source, "copy", result, 0, started, "the files to copy could not be read"
            )
        return result.stdout, None

    # -- commands and outcomes -----------------------------------------------------------

    def _command(
        self,
        planned: PlannedStep,
        host: str,
        phase: Phase,
        body: str,
        env: Mapping[str, Value],
        *,
        timeout: float | None = None,
        attempt: int = 1,
    ) -> CommandResult:
        result = self.transports[host].run_script(script_text(env, body), timeout)
        self.bus.emit(
            CommandDone(
                step=planned.step,
                host=host,
                phase=phase,
                attempt=attempt,
                # A command typed by a trainee may hold a secret's value itself.
                command=self._mask(body),
                exit_status=result.exit_status,
                stdout=self._shown(planned, result.out),
                stderr=self._shown(planned, result.err),
                duration=result.duration,
            )
        )
        return result

    def _copied(
        self, planned: PlannedStep, host: str, command: str, result: CommandResult, sent: bytes
    ) -> CommandResult:
        """Report one end of a copy (``command`` ran it); its data is counted, never shown."""
        moved = len(result.stdout) or len(sent)
        self.bus.emit(
            CommandDone(
                step=planned.step,
                host=host,
                phase="copy",
                attempt=1,
                command=command,
                exit_status=result.exit_status,
                stdout=f"({moved} bytes, kept in memory)",
                stderr=self._shown(planned, result.err),
                duration=result.duration,
            )
        )
        return result

    def _mask(self, text: str) -> str:
        with self._secrets_lock:
            secrets = list(self._secrets)
        return mask_text(text, secrets)

    def _shown(self, planned: PlannedStep, text: str) -> str:
        if planned.step.options.sensitive and text:
            return HIDDEN
        return self._mask(text)

    def _outcome(
        self,
        planned: PlannedStep,
        host: str,
        status: HostStatus,
        started: float,
        *,
        phase: Phase | None = None,
        exit_status: int | None = None,
        message: str = "",
    ) -> HostOutcome:
        return HostOutcome(
            step_id=planned.step.id,
            host=host,
            status=status,
            phase=phase,
            exit_status=exit_status,
            message=message,
            duration=time.monotonic() - started,
        )

    def _failed(
        self,
        planned: PlannedStep,
        host: str,
        phase: Phase,
        result: CommandResult,
        expected: int,
        started: float,
        message: str,
    ) -> HostOutcome:
        output = "\n".join(part for part in (result.out.rstrip(), result.err.rstrip()) if part)
        tail = "\n".join(self._shown(planned, output).splitlines()[-TAIL_LINES:])
        if result.lost:
            message = lost_message(planned.step, host, phase, result)
        return HostOutcome(
            step_id=planned.step.id,
            host=host,
            status="failed",
            phase=phase,
            exit_status=result.exit_status,
            expected_exit=expected,
            output=tail,
            message=message,
            duration=time.monotonic() - started,
        )


def lost_message(step: Step, host: str, phase: Phase, result: CommandResult) -> str:
    """What an operator must know when a host went away: where, and what to do next."""
    part = "verification" if phase == "verify" else phase
    if result.unreachable:
        return f"cannot reach {host} for the {part} of step {step.id}: {result.lost}"
    return (
        f"lost {host} during the {part} of step {step.id}: {result.lost}; whether it "
        "finished there is unknown: check the host, then resume (the step runs again there)"
    )


def plan_secrets(plan: Plan) -> list[Secret]:
    """Every secret value the plan knows, for masking what the plan's own masking cannot
    see (commands a trainee types)."""
    values: list[Value] = [resolved.value for resolved in plan.variables.values()]
    if plan.inventory is not None:
        values += list(plan.inventory.vars.values())
        for host in plan.inventory.hosts:
            values += list(host.vars.values())
    return [value for value in values if isinstance(value, Secret)]
