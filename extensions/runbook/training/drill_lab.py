"""A drill as an exercise: the fault is injected, the trainee is told the symptom only and
repairs; the drill's own verification and probes judge when service is back.

The machinery is the drill's (:class:`~runbook.drills.session.DrillSession`: health
before, node resolution, probes, the fault, the figures); what differs from ``runbook
drill`` is who undoes the fault. Here nothing is undone for the trainee unless they give
up or quit, and the clock runs from the fault to the check that finds the service
restored. Commands the trainee types run on a host over the same transports the drill
uses; work done in their own shell counts the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook.drills.probes import ProbeLoop
from runbook.drills.session import DrillSession
from runbook.drills.timeline import probe_figures, worst
from runbook.model import mask_text
from runbook.training.collateral import SNAPSHOT, Snapshot, parse_snapshot, restarted
from runbook.training.score import RestoredBy, Score, judge, score_lines
from runbook.training.screen import Screen
from runbook.training.transcript import TrainingTranscript

PROMPT = "[c]heck [t]ype on a host [h]int [g]ive up [q]uit [?]: "
HELP = """\
  c  check: the drill's verification on every host, and its probes through the
     service, must all pass (takes a few seconds when they do)
  t  type commands to run on one host (a line with only a dot ends them); or
     repair in your own shell and check
  h  a hint from the guide
  g  give up: the fault is undone for you and the service waited for
  q  quit: the same, and stop
"""
#: Longest a command typed on a host may run.
COMMAND_TIMEOUT = 300.0


@dataclass
class _Tally:
    """What the trainee asked of the lab."""

    hints: int = 0
    checks: int = 0


class DrillLab:
    """One exercise on one drill: the drill's session (its hosts, transports, faults and
    probes) with a trainee at the keyboard instead of a timer."""

    def __init__(
        self, session: DrillSession, screen: Screen, transcript: TrainingTranscript
    ) -> None:
        self.session = session
        self.drill = session.drill
        self.target = session.target
        self.transports = session.transports
        self.faults = session.faults
        self.clock = session.clock
        self.screen = screen
        self.transcript = transcript
        self.tally = _Tally()

    def _mask(self, text: str) -> str:
        return mask_text(text, self.transcript.secrets)

    def snapshot(self) -> dict[str, Snapshot]:
        """Every reachable host's running services and their invocations."""
        found = {}
        for host in self.target.hosts:
            transport = self.transports[host]
            try:
                if not transport.alive:
                    transport.open()
                result = transport.run_command(SNAPSHOT, timeout=30)
            except Exception:
                continue
            if result.exit_status == 0:
                found[host] = parse_snapshot(result.stdout.decode(errors="replace"))
        return found

    def run(self) -> Score:
        drill, screen, session = self.drill, self.screen, self.session
        screen.heading(f"Drill exercise: {drill.name}")
        before = self.snapshot()
        nodes, loops = session.healthy_start()
        try:
            self.transcript.write(f"=== fault: {drill.fault.kind} on {', '.join(nodes)}")
            start = self.clock()
            self.faults.inject(drill.fault, nodes)
            try:
                restored_by, seconds = self._repair(loops, nodes, start)
            except BaseException:
                # Ctrl-C or a lost connection mid-exercise: the cluster gets its nodes back.
                self.faults.restore(drill.fault, nodes)
                raise
            end = self.clock()
        finally:
            for loop in loops:
                loop.stop()
        figures = worst(
            [probe_figures(loop.samples, start, end) for loop in loops],
            session.sql.lost_writes() if session.sql is not None else None,
        )
        collateral = restarted(before, self.snapshot(), drill.fault, nodes)
        score = judge(
            drill, restored_by, seconds, self.tally.hints, self.tally.checks, figures, collateral
        )
        self._show(score)
        return score

    # -- the exercise -------------------------------------------------------------------

    def _repair(
        self, loops: list[ProbeLoop], nodes: tuple[str, ...], start: float
    ) -> tuple[RestoredBy, float]:
        """The trainee's turn, until a check passes or they give up or quit."""
        screen = self.screen
        screen.say()
        screen.say("Something is wrong. What you are told:", "bold")
        screen.paragraph(self.drill.symptom or "Clients of the service report errors.")
        screen.say(f"Hosts: {', '.join(self.target.hosts)}. The clock runs.", "dim")
        self.transcript.write(f"symptom: {self.drill.symptom}")
        while True:
            try:
                answer = screen.ask(PROMPT)
            except KeyboardInterrupt:
                answer = None
            choice = (answer if answer is not None else "q").strip().lower()[:1]
            self.transcript.write(f"> {choice or repr(answer)}")
            if choice == "c":
                self.tally.checks += 1
                checked = self.clock()
                problem = self._check(loops)
                if problem is None:
                    seconds = checked - start
                    screen.say("Service restored.", "bold green")
                    self.transcript.write("=== restored")
                    return "trainee", seconds
                screen.say(f"Not restored yet: {problem}.", "yellow")
                self.transcript.write(f"not restored: {problem}")
            elif choice == "t":
                self._typed()
            elif choice == "h":
                self._hint()
            elif choice in ("g", "q"):
                return self._undo(loops, nodes, start, "gave-up" if choice == "g" else "quit")
            else:
                screen.say(HELP)

    def _check(self, loops: list[ProbeLoop]) -> str | None:
        """None when the service is back: the verification passes on every host, then
        every probe keeps succeeding for a few seconds; else what is still wrong."""
        self.screen.say("Checking (verification on every host, then the probes)...", "dim")
        failing = self.session.verified_everywhere()
        if not failing:
            return self.session.wait_healthy(loops, 0.0)
        down = [loop.probe.label for loop in loops if loop.samples and not loop.samples[-1].ok]
        problem = f"verification fails on {', '.join(failing)}"
        return problem + (f"; probes failing: {', '.join(down)}" if down else "")

    def _typed(self) -> None:
        screen = self.screen
        hosts = self.target.hosts
        host = (screen.ask(f"On which host ({', '.join(hosts)})? ") or "").strip()
        if host not in hosts:
            screen.say(f"{host!r} is not one of {', '.join(hosts)}.", "yellow")
            return
        screen.say("Type the commands; a line with only a dot ends them.", "dim")
        lines: list[str] = []
        while True:
            line = screen.ask("  $ ")
            if line is None:
                return  # Ctrl-D: nothing half typed runs
            if line.strip() == ".":
                break
            lines.append(line)
        script = "\n".join(lines) + "\n"
        if not script.strip():
            screen.say("Nothing typed.")
            return
        self.transcript.lines(f"| {host} ", script)
        transport = self.transports[host]
        try:
            if not transport.alive:
                transport.open()
            result = transport.run_script(script.encode(), timeout=COMMAND_TIMEOUT)
        except Exception as error:
            screen.say(f"Cannot run it on {host}: {error}", "red")
            self.transcript.write(f"cannot run on {host}: {error}")
            return
        for stream in (result.out, result.err):
            if stream.strip():
                screen.code(self._mask(stream), style="")
                self.transcript.lines("  ", self._mask(stream))
        style = "green" if result.exit_status == 0 else "yellow"
        screen.say(f"exit status {result.exit_status} on {host}", style)
        self.transcript.write(f"exit {result.exit_status}")

    def _hint(self) -> None:
        hints = self.drill.hints
        if self.tally.hints < len(hints):
            text = hints[self.tally.hints]
            self.tally.hints += 1
            self.screen.say(f"Hint {self.tally.hints} of {len(hints)}:", "bold yellow")
        else:
            text = (
                "No more hints. The exercise is judged by the drill's verification on "
                f"every host: {self.drill.verify.strip() or '(none)'}; and by its probes: "
                f"{', '.join(probe.label for probe in self.drill.probes)}."
            )
        self.screen.paragraph(text)
        self.transcript.write(f"hint: {text}")

    def _undo(
        self, loops: list[ProbeLoop], nodes: tuple[str, ...], start: float, how: RestoredBy
    ) -> tuple[RestoredBy, float]:
        """The fault undone by the tool, as ``runbook drill`` undoes it, and waited for."""
        drill = self.drill
        self.screen.say("Undoing the fault for you, then waiting for the service...", "dim")
        self.faults.restore(drill.fault, nodes)
        if drill.fault.kind == "kill-service" and drill.fault.unit:
            self.session.start_unit_again(nodes, drill.fault.unit)
        problem = self.session.wait_healthy(loops, drill.recovery_timeout)
        if problem:
            self.screen.say(f"Still not healthy: {problem}.", "bold red")
            return "nobody", self.clock() - start
        return how, self.clock() - start

    def _show(self, score: Score) -> None:
        self.screen.say()
        self.screen.heading(f"Score: {score.drill}")
        rows = score_lines(score)
        self.screen.table(("", ""), rows)
        for label, value in rows:
            self.transcript.write(f"score: {label}: {value}")
        self.screen.say(f"Transcript: {self.transcript.path}")
