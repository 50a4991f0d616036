"""The lab: each step's explanation, hosts and commands, then the trainee's choice.

Steps run through the same :class:`~runbook.execution.runner.Runner` as ``runbook run``
(guard, script, verification with its retries), one step at a time, on connections kept
for the whole session, opened and locked by the same lifecycle
(:class:`~runbook.execution.session.Session`). Commands the trainee types replace the
step's script for that try (after they have seen how they differ from the guide's and
confirmed), and work done in their own shell replaces it with nothing; either way the
step's verification judges the result exactly as it would the guide's own commands.
Progress is saved after every answer, so a lost SSH session loses nothing.
"""

from __future__ import annotations

import dataclasses
import getpass
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from runbook.execution.connect import TransportFactory
from runbook.execution.console import ConsoleReport
from runbook.execution.events import EventBus, RunFinished
from runbook.execution.registered import RegisteredValues
from runbook.execution.runner import Runner, plan_secrets
from runbook.execution.session import Say, Session, SessionOptions, StepChoice, run_files
from runbook.execution.transport import Transport
from runbook.model import mask_text
from runbook.plan.model import Plan, PlannedStep
from runbook.training.compare import compare
from runbook.training.explain import explain
from runbook.training.hints import hint
from runbook.training.progress import (
    How,
    Progress,
    TrainingFiles,
    load_progress,
    save_progress,
)
from runbook.training.screen import Screen
from runbook.training.summary import summarize
from runbook.training.transcript import TrainingTranscript

HELP = """\
  r  run the guide's commands on the step's hosts, then its verification
  t  type the commands yourself (a line with only a dot ends them); you see how
     they differ from the guide's and confirm before they run
  c  check work you did in your own shell on the hosts: runs only the verification
  h  a hint: first what the verification checks, then what the guide says when
     it goes wrong
  s  solve: run the guide's commands to move on (counted as solved)
  q  quit; `--resume` continues here later
"""
PROMPT = "[r]un [t]ype [c]heck [h]int [s]olve [q]uit [?]: "

#: Exit statuses: every step passed, or the trainee stopped (progress kept).
DONE = 0
QUIT = 130


@dataclass(frozen=True, slots=True)
class Trainee:
    """Who trains, where their progress is kept, and whether they continue it."""

    files: TrainingFiles
    resume: bool = False


def train(
    plan: Plan,
    options: SessionOptions,
    choice: StepChoice,
    stdin: TextIO,
    stdout: TextIO,
    *,
    trainee: Trainee | None = None,
    factory: TransportFactory | None = None,
    warn: Say | None = None,
) -> int:
    """A walkthrough inside the run lifecycle: refused while a run holds the scenario's
    lock or a host's, and holding them itself until the trainee is done. Without
    ``trainee``, the progress is the user's own, started afresh."""
    if trainee is None:
        trainee = Trainee(TrainingFiles(run_files(plan, options.state_dir), getpass.getuser()))
    screen = Screen(stdin, stdout)
    progress = _progress(plan, trainee, screen)
    all_ids = [planned.step.id for planned in plan.steps]
    if trainee.resume:
        next_open = progress.next_open(all_ids)
        if next_open is None:
            screen.say(f"{progress.trainee} has passed every step of {plan.scenario.name} already.")
            Walkthrough.show_summary(screen, progress, all_ids, trainee.files)
            return DONE
        choice = dataclasses.replace(choice, start=all_ids[next_open])
    session = Session(plan, options, factory=factory, warn=warn)
    chosen = session.choose(choice)
    registered = session.prepare(chosen.steps)
    with session.connected(chosen.steps) as transports:
        # Opened only once the hosts are ours: a refused start leaves the last one whole.
        transcript = TrainingTranscript(
            trainee.files.transcript, plan_secrets(plan), fresh=not trainee.resume
        )
        try:
            transcript.session(progress.trainee, trainee.resume)
            walk = Walkthrough(
                plan, transports, screen, progress, trainee.files, transcript, registered
            )
            return walk.run(chosen.steps)
        finally:
            transcript.close()


def _progress(plan: Plan, trainee: Trainee, screen: Screen) -> Progress:
    """The saved progress when resuming (an unreadable file is refused), else a new one."""
    name, scenario = trainee.files.trainee, plan.scenario.name
    if trainee.resume:
        saved = load_progress(trainee.files.progress, scenario, name)
        if saved is not None:
            return saved
        screen.say(f"No saved progress for {name}: starting at the first step.")
    elif trainee.files.progress.exists():
        screen.say(
            f"Starting over: {name}'s earlier progress on {scenario} here is replaced "
            "(quit now and add --resume to continue it instead).",
            "yellow",
        )
    return Progress(scenario, name)


class Walkthrough:
    """One session of the lab over already connected hosts."""

    def __init__(
        self,
        plan: Plan,
        transports: Mapping[str, Transport],
        screen: Screen,
        progress: Progress,
        files: TrainingFiles,
        transcript: TrainingTranscript,
        registered: RegisteredValues | None = None,
    ) -> None:
        self.plan = plan
        self.transports = transports
        self.screen = screen
        self.progress = progress
        self.files = files
        self.transcript = transcript
        self.secrets = plan_secrets(plan)
        self.registered = registered if registered is not None else RegisteredValues()
        # One runner for the session: it learns the values sensitive steps register, and
        # masks them in every later step.
        self.runner = Runner(
            plan,
            transports,
            EventBus(ConsoleReport(screen.stdout, verbose=True, banner=False), transcript),
            registered=self.registered,
        )
        #: The explanation of each step's last failed attempt, for its second hint.
        self.last_failure: dict[str, list[str]] = {}

    def run(self, steps: tuple[PlannedStep, ...]) -> int:
        """Walk through ``steps``; ``DONE`` when the last one passed, ``QUIT`` if stopped."""
        scenario = self.plan.scenario
        screen = self.screen
        screen.heading(f"Training: {scenario.title} ({scenario.name})")
        if scenario.description:
            screen.paragraph(scenario.description, indent=0)
        screen.say(f"{len(steps)} steps to go; [?] explains the choices.", "dim")
        total = len(scenario.steps)
        for planned in steps:
            if not self._step(planned, planned.step.index, total):
                self._save()
                screen.say()
                screen.say(
                    "Stopped; your progress is saved. Continue with the same command and --resume.",
                    "bold",
                )
                self.show_summary(screen, self.progress, self._ids(), self.files)
                return QUIT
        self.show_summary(screen, self.progress, self._ids(), self.files)
        return DONE

    def _ids(self) -> list[str]:
        return [planned.step.id for planned in self.plan.steps]

    def _save(self) -> None:
        save_progress(self.files.progress, self.progress)

    # -- one step -------------------------------------------------------------------------

    def _show(self, planned: PlannedStep, position: int, total: int) -> None:
        step = planned.step
        screen = self.screen
        screen.say()
        screen.heading(f"Step {position}/{total}: {step.title} ({step.id})")
        screen.say(f"Runs on {step.target.describe()}: {', '.join(planned.hosts)}", "dim")
        if step.prose:
            for paragraph in step.prose.split("\n\n"):
                screen.paragraph(paragraph)
        if step.guard:
            screen.say("Skipped on a host where this already succeeds:")
            screen.code(step.guard)
        screen.say("Commands:")
        screen.code(step.script)
        if step.verify is not None:
            screen.say("Checked by:")
            screen.code(step.verify.command, style="magenta")
        self.transcript.write(f"=== {step.id} {step.title}")

    def _step(self, planned: PlannedStep, position: int, total: int) -> bool:
        """One step, until it passes (True) or the trainee quits (False)."""
        self._show(planned, position, total)
        record = self.progress.step(planned.step.id)
        began = time.monotonic()
        try:
            while True:
                try:
                    answer = self.screen.ask(PROMPT)
                except KeyboardInterrupt:
                    answer = None
                choice = (answer if answer is not None else "q").strip().lower()[:1]
                self.transcript.write(f"> {_CHOICES.get(choice, repr(answer))}")
                if choice == "q":
                    return False
                if choice == "h":
                    self._hint(planned)
                    continue
                attempt, how = self._attempt(planned, choice)
                if attempt is None or how is None:
                    continue
                finished = self.runner.run((attempt,))
                if finished.status == "done":
                    record.how = how
                    self._passed(planned, how)
                    return True
                if finished.status == "interrupted":
                    return False
                record.retries += 1
                self._failed(planned, finished)
        finally:
            record.seconds += time.monotonic() - began
            self._save()

    def _attempt(self, planned: PlannedStep, choice: str) -> tuple[PlannedStep | None, How | None]:
        """What to run for ``choice``, and how passing it would count; None when nothing."""
        step = planned.step
        if choice == "r":
            return planned, "run"
        if choice == "s":
            return planned, "solved"
        if choice == "t":
            typed = self._typed(planned)
            if typed is None:
                return None, None
            return dataclasses.replace(
                planned, step=dataclasses.replace(step, script=typed, guard=None)
            ), "typed"
        if choice == "c":
            if step.verify is None:
                self.screen.say(
                    "This step has no verification: nothing can check it. Run, type or solve it.",
                    "yellow",
                )
                return None, None
            return dataclasses.replace(
                planned, step=dataclasses.replace(step, script=":", guard=None)
            ), "checked"
        self.screen.say(HELP)
        return None, None

    def _typed(self, planned: PlannedStep) -> str | None:
        """The trainee's commands, once they have seen the difference and confirmed."""
        screen = self.screen
        screen.say("Type the commands; a line with only a dot ends them.", "dim")
        lines: list[str] = []
        while True:
            line = screen.ask("  $ ")
            if line is None:
                return None
            if line.strip() == ".":
                break
            lines.append(line)
        typed = "\n".join(lines) + "\n"
        self.transcript.lines("| ", typed)
        if not typed.strip():
            screen.say("Nothing typed.")
            return None
        difference = compare(planned.step.script, typed)
        if difference.same:
            screen.say("Same commands as the guide's.", "green")
        else:
            screen.say("How yours differ from the guide's (- guide, + yours):")
            for mark, text in difference.lines:
                style = {"-": "red", "+": "green"}.get(mark, "dim")
                screen.say(f"  {mark} {mask_text(text, self.secrets)}", style)
        hosts = ", ".join(planned.hosts)
        if not screen.confirm(f"Run yours on {hosts}?"):
            screen.say("Not run.")
            self.transcript.write("> not confirmed")
            return None
        return typed

    def _hint(self, planned: PlannedStep) -> None:
        record = self.progress.step(planned.step.id)
        record.hints += 1
        self._save()
        self.screen.say(f"Hint {record.hints}:", "bold yellow")
        for sentence in hint(
            planned.step, record.hints, self.last_failure.get(planned.step.id, [])
        ):
            self.screen.paragraph(sentence)
            self.transcript.write(f"hint {record.hints}: {sentence}")

    def _passed(self, planned: PlannedStep, how: How) -> None:
        record = self.progress.step(planned.step.id)
        word = "Solved" if how == "solved" else "Passed"
        self.screen.say(f"{word}: {planned.step.id} {planned.step.title}", "bold green")
        self.transcript.write(
            f"=== {planned.step.id} passed: {how}, {record.hints} hints, {record.retries} retries"
        )

    def _failed(self, planned: PlannedStep, finished: RunFinished) -> None:
        explanation: list[str] = []
        output: list[str] = []
        for step, outcome in finished.failures:
            explanation += explain(step, outcome)
            if outcome.output:
                output.append(f"On {outcome.host} it printed last: {outcome.output}")
        self.last_failure[planned.step.id] = explanation + output
        for sentence in explanation:
            self.screen.paragraph(sentence)
        self.screen.say("Not yet: try again, ask for a hint, solve, or quit.", "yellow")
        self.transcript.write(f"=== {planned.step.id} not yet")

    # -- the end -------------------------------------------------------------------------

    @staticmethod
    def show_summary(
        screen: Screen, progress: Progress, step_ids: list[str], files: TrainingFiles
    ) -> None:
        summary = summarize(progress, step_ids)
        screen.say()
        screen.heading(f"Summary for {progress.trainee}")
        screen.table(("Step", "How", "Hints", "Retries", "Time"), summary.rows)
        screen.say(summary.totals, "bold")
        screen.say(f"Transcript: {files.transcript}")


_CHOICES = {
    "r": "run",
    "t": "type",
    "c": "check",
    "h": "hint",
    "s": "solve",
    "q": "quit",
    "?": "help",
}
