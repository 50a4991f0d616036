"""The walkthrough: each step's prose and commands, then run it, type it, or skip it.

Steps run through the same :class:`~runbook.execution.runner.Runner` as ``runbook run``
(guard, script, verification with its retries), one step at a time, on connections kept
for the whole session, opened and locked by the same lifecycle
(:class:`~runbook.execution.session.Session`). Commands the operator types replace the
step's script for that try, and work done in the operator's own shell replaces it with
nothing; either way the step's verification judges the result exactly as it would the
guide's own commands.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from runbook.execution.connect import TransportFactory
from runbook.execution.console import ConsoleReport
from runbook.execution.events import EventBus, RunFinished
from runbook.execution.registered import RegisteredValues
from runbook.execution.runner import Runner
from runbook.execution.session import Say, Session, SessionOptions, StepChoice
from runbook.execution.transport import Transport
from runbook.plan.model import Plan, PlannedStep
from runbook.training.explain import explain

HELP = """\
  r  run the step's commands on its hosts, then its verification
  t  type the commands yourself (end with a line holding only a dot); the verification
     then checks your work
  c  you did it yourself, in your own shell on the hosts: run only the verification
  s  skip this step
  q  quit the walkthrough
"""
PROMPT = "[r]un, [t]ype it yourself, [c]heck my work, [s]kip, [q]uit, [?] help: "


def train(
    plan: Plan,
    options: SessionOptions,
    choice: StepChoice,
    stdin: TextIO,
    stdout: TextIO,
    *,
    factory: TransportFactory | None = None,
    warn: Say | None = None,
) -> int:
    """A walkthrough of the chosen steps, inside the run lifecycle: refused while a run holds
    the scenario's lock or a host's, and holding them itself until the trainee is done."""
    session = Session(plan, options, factory=factory, warn=warn)
    chosen = session.choose(choice)
    registered = session.prepare(chosen.steps)
    with session.connected(chosen.steps) as transports:
        return Walkthrough(plan, transports, stdin, stdout, registered).run(chosen.steps)


@dataclass
class Tally:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Walkthrough:
    def __init__(
        self,
        plan: Plan,
        transports: Mapping[str, Transport],
        stdin: TextIO,
        stdout: TextIO,
        registered: RegisteredValues | None = None,
    ) -> None:
        self.plan = plan
        self.stdin = stdin
        self.stdout = stdout
        self.runner = Runner(
            plan,
            transports,
            EventBus(ConsoleReport(stdout, verbose=True, banner=False)),
            registered=registered,
        )
        self.tally = Tally()

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str | None:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        return None if not line else line.rstrip("\n")

    def run(self, steps: tuple[PlannedStep, ...]) -> int:
        """Walk through ``steps``; 0 when every step was done, 1 if one failed, 130 on quit."""
        scenario = self.plan.scenario
        count = f"{len(steps)} step" + ("" if len(steps) == 1 else "s")
        self.say(f"Training: {scenario.title} ({scenario.name}), {count}")
        if scenario.description:
            self.say(textwrap.fill(scenario.description, 88))
        for position, planned in enumerate(steps, start=1):
            if not self._step(planned, position, len(steps)):
                self._summary()
                return 130
        self._summary()
        return 1 if self._still_failing() else 0

    def _step(self, planned: PlannedStep, position: int, total: int) -> bool:
        """One step, until it passes, is skipped, or the operator quits (False)."""
        step = planned.step
        self.say()
        self.say(f"== Step {position}/{total}: {step.title} ({step.id})")
        if step.location is not None:
            self.say(f"   written at {step.location}")
        self.say(f"   runs on {step.target.describe()}: {', '.join(planned.hosts)}")
        if step.prose:
            self.say()
            for paragraph in step.prose.split("\n\n"):
                self.say(
                    textwrap.fill(paragraph, 88, initial_indent="   ", subsequent_indent="   ")
                )
        if step.guard:
            self.say("\n   Skipped on a host where this already succeeds:")
            self._show(step.guard)
        self.say("\n   Commands:")
        self._show(step.script)
        if step.verify is not None:
            self.say("\n   Checked by:")
            self._show(step.verify.command)
        while True:
            answer = self.ask(PROMPT)
            choice = (answer or "q").strip().lower()[:1]
            if choice == "q":
                return False
            if choice == "s":
                self.tally.skipped.append(step.id)
                return True
            if choice == "?":
                self.say(HELP)
                continue
            if choice == "r":
                attempt = planned
            elif choice == "t":
                typed = self._typed()
                if typed is None:
                    return False
                if not typed.strip():
                    self.say("   Nothing typed.")
                    continue
                attempt = dataclasses.replace(
                    planned, step=dataclasses.replace(step, script=typed, guard=None)
                )
            elif choice == "c":
                if step.verify is None:
                    self.say("   This step has no verification: nothing can check it.")
                    continue
                attempt = dataclasses.replace(
                    planned, step=dataclasses.replace(step, script=":", guard=None)
                )
            else:
                self.say(HELP)
                continue
            finished = self.runner.run((attempt,))
            if finished.status == "done":
                self.tally.done.append(step.id)
                return True
            if finished.status == "interrupted":
                return False
            self._explain(finished)
            self.say("   Try again (run or type), skip, or quit.")
            if step.id not in self.tally.failed:
                self.tally.failed.append(step.id)

    def _typed(self) -> str | None:
        self.say("   Type the commands; a line with only a dot ends them.")
        lines: list[str] = []
        while True:
            line = self.ask("   $ ")
            if line is None:
                return None
            if line.strip() == ".":
                return "\n".join(lines) + "\n"
            lines.append(line)

    def _explain(self, finished: RunFinished) -> None:
        for step, outcome in finished.failures:
            self.say()
            for sentence in explain(step, outcome):
                self.say(textwrap.fill(sentence, 88, initial_indent="   ", subsequent_indent="   "))

    def _show(self, text: str) -> None:
        for line in text.rstrip("\n").splitlines():
            self.say(f"     {line}")

    def _still_failing(self) -> list[str]:
        return [s for s in self.tally.failed if s not in self.tally.done]

    def _summary(self) -> None:
        tally = self.tally
        still_failing = self._still_failing()
        self.say()
        self.say(
            f"Walkthrough over: {len(tally.done)} done, {len(tally.skipped)} skipped, "
            f"{len(still_failing)} failed"
            + (f" ({', '.join(still_failing)})" if still_failing else "")
        )
