"""One drill, start to end: health first, fault, measurement, restore, health after, figures.

The probes run from the control host for the whole drill; the figures are computed from
their timestamps (:mod:`runbook.drills.timeline`) and judged against the drill's budget.
Progress goes to ``out`` as lines; nothing here prints elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from runbook.drills.faults import FaultActions
from runbook.drills.probes import (
    KeystoneValidator,
    ProbeLoop,
    SqlWriter,
    amqp_answers,
    any_of,
    http_check,
    memcached_answers,
    tcp_check,
)
from runbook.drills.timeline import Figures, over_budget, probe_figures, worst
from runbook.execution.errors import RefusedError
from runbook.execution.transport import Transport
from runbook.model.drill import OTHER, VIP_HOLDER, Drill, Probe

#: How long the cluster has to look healthy before the fault, and probes to answer.
HEALTH_TIMEOUT = 120.0
#: Probes run this long before the fault, so the figures start from a working service.
LEAD_IN = 2.0
#: After the restore, every probe must succeed for this long to call the service restored.
SETTLE = 3.0
#: The variable that holds the password the keystone probe logs in with (the guide's admin).
KEYSTONE_PASSWORD = "keystone_admin_password"


class DrillError(RefusedError):
    """The drill was refused before its fault: unhealthy cluster, unknown node, no VIP."""


@dataclass(frozen=True)
class Target:
    """Where the drill runs: hosts in inventory order, their addresses, the VIP, secrets."""

    hosts: tuple[str, ...]
    addresses: Mapping[str, str]
    vip: str
    passwords: Mapping[str, str]


@dataclass(frozen=True)
class Outcome:
    """What a drill measured, and whether it kept its budget and left the cluster healthy."""

    figures: Figures
    probes: dict[str, Figures]
    nodes: tuple[str, ...]
    healthy_after: bool
    problems: tuple[str, ...]
    duration: float

    @property
    def passed(self) -> bool:
        return not self.problems


class DrillSession:
    """Runs ``drill`` against ``target`` with ``faults``, over one transport per host."""

    def __init__(
        self,
        drill: Drill,
        target: Target,
        transports: Mapping[str, Transport],
        probe_transports: Mapping[str, Transport],
        faults: FaultActions,
        out: TextIO,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.drill = drill
        self.target = target
        self.transports = transports
        self.probe_transports = probe_transports
        self.faults = faults
        self.out = out
        self.clock = clock
        self.sql: SqlWriter | None = None

    def say(self, text: str) -> None:
        self.out.write(f"drill {self.drill.name}: {text}\n")
        self.out.flush()

    # -- health -------------------------------------------------------------------------

    def verified_everywhere(self) -> list[str]:
        """The hosts where the drill's verification fails (all of them reachable or not)."""
        if not self.drill.verify:
            return []
        failing = []
        for host in self.target.hosts:
            transport = self.transports[host]
            try:
                if not transport.alive:
                    transport.open()
                result = transport.run_command(self.drill.verify, timeout=30)
            except Exception:
                failing.append(host)
                continue
            if result.exit_status != 0:
                failing.append(host)
        return failing

    def wait_healthy(self, loops: Sequence[ProbeLoop], timeout: float) -> str | None:
        """``None`` once verification passes everywhere and every probe keeps succeeding;
        else what was still wrong when ``timeout`` ran out."""
        deadline = self.clock() + timeout
        while True:
            since = self.clock()
            failing = self.verified_everywhere()
            while not failing and self.clock() - since < SETTLE:
                time.sleep(0.25)
            bad = [loop.probe.label for loop in loops if not loop.succeeded_since(since)]
            if not failing and not bad:
                return None
            if self.clock() >= deadline:
                parts = []
                if failing:
                    parts.append(f"verification fails on {', '.join(failing)}")
                if bad:
                    parts.append(f"probes failing: {', '.join(bad)}")
                return "; ".join(parts)
            time.sleep(1.0)

    # -- probes and nodes ---------------------------------------------------------------

    def check_for(self, probe: Probe, spared: Sequence[str]) -> Callable[[], bool]:
        vip = self.target.vip
        addresses = [self.target.addresses[host] for host in self.target.hosts]
        if probe.kind == "tcp":
            return lambda: tcp_check(vip, probe.port)
        if probe.kind == "http":
            return lambda: http_check(vip, probe.port, probe.path)
        if probe.kind == "amqp":
            return lambda: any_of(amqp_answers, addresses, probe.port)
        if probe.kind == "memcached":
            return lambda: any_of(memcached_answers, addresses, probe.port)
        if probe.kind == "keystone":
            if KEYSTONE_PASSWORD not in self.target.passwords:
                raise DrillError(f"the keystone probe needs the variable {KEYSTONE_PASSWORD}")
            password = self.target.passwords[KEYSTONE_PASSWORD]
            return KeystoneValidator(vip, probe.port, password).check
        assert probe.database is not None
        key = f"{probe.database}_db_password"
        if key not in self.target.passwords:
            raise DrillError(f"the sql:{probe.database} probe needs the variable {key}")
        order = [*spared, *(h for h in self.target.hosts if h not in spared)]
        self.sql = SqlWriter(
            [self.probe_transports[host] for host in order],
            vip,
            probe.database,
            probe.database,
            self.target.passwords[key],
        )
        if not self.sql.prepare():
            raise DrillError(f"cannot write through the VIP {vip} with sql:{probe.database}")
        return self.sql.check

    def vip_holder(self) -> str:
        pattern = f" {self.target.vip}/"
        for host in self.target.hosts:
            result = self.transports[host].run_command("ip -o -4 addr show", timeout=15)
            if result.exit_status == 0 and pattern in result.stdout.decode(errors="replace"):
                return host
        raise DrillError(f"no host holds the VIP {self.target.vip}")

    def resolve_nodes(self) -> tuple[str, ...]:
        """The inventory hosts the fault hits, ``vip-holder`` and ``other`` resolved now."""
        if self.drill.fault.kind == "outage":
            return self.target.hosts
        holder = self.vip_holder() if {VIP_HOLDER, OTHER} & set(self.drill.fault.nodes) else ""
        resolved: list[str] = []
        for word in self.drill.fault.nodes:
            if word == VIP_HOLDER:
                node = holder
            elif word == OTHER:
                node = next((h for h in self.target.hosts if h != holder), "")
            else:
                node = word
            if node not in self.target.hosts:
                raise DrillError(f"the fault names {word!r}, which is not a host of the inventory")
            if node in resolved:
                raise DrillError(f"the fault hits {node} twice")
            resolved.append(node)
        return tuple(resolved)

    # -- the drill ----------------------------------------------------------------------

    def healthy_start(self) -> tuple[tuple[str, ...], list[ProbeLoop]]:
        """The nodes the fault will hit and the probes, running, once the cluster is seen
        healthy; refused (probes stopped) when it is not. Shared with the training lab."""
        self.say("checking that the cluster is healthy before the fault")
        failing = self.verified_everywhere()
        if failing:
            raise DrillError(
                f"the cluster is not healthy before the drill: verification fails on "
                f"{', '.join(failing)}"
            )
        nodes = self.resolve_nodes()
        spared = [host for host in self.target.hosts if host not in nodes]
        loops = [ProbeLoop(probe, self.check_for(probe, spared)) for probe in self.drill.probes]
        for loop in loops:
            loop.start()
        try:
            problem = self.wait_healthy(loops, HEALTH_TIMEOUT)
            if problem:
                raise DrillError(f"the cluster is not healthy before the drill: {problem}")
            time.sleep(LEAD_IN)
        except BaseException:
            for loop in loops:
                loop.stop()
            raise
        return nodes, loops

    def run(self) -> Outcome:
        began = self.clock()
        drill = self.drill
        nodes, loops = self.healthy_start()
        try:
            self.say(f"fault: {drill.fault.kind} on {', '.join(nodes)}")
            start = self.clock()
            try:
                self.faults.inject(drill.fault, nodes)
                time.sleep(max(0.0, drill.hold - (self.clock() - start)))
            finally:  # interrupted or not, the cluster gets its nodes back
                self.say(f"restoring after {self.clock() - start:.0f} s")
                self.faults.restore(drill.fault, nodes)
            if drill.fault.kind == "kill-service" and drill.fault.unit:
                self.start_unit_again(nodes, drill.fault.unit)
            self.say("waiting for the cluster to be healthy again")
            problem = self.wait_healthy(loops, drill.recovery_timeout)
            end = self.clock()
        finally:
            for loop in loops:
                loop.stop()
        per_probe = {loop.probe.label: probe_figures(loop.samples, start, end) for loop in loops}
        lost = self.sql.lost_writes() if self.sql is not None else None
        figures = worst(list(per_probe.values()), lost)
        problems = over_budget(drill.budget, figures)
        if problem:
            waited = drill.recovery_timeout
            problems.append(f"not healthy {waited:g} s after the restore: {problem}")
        return Outcome(
            figures, per_probe, nodes, problem is None, tuple(problems), self.clock() - began
        )

    def start_unit_again(self, nodes: Sequence[str], unit: str) -> None:
        """A killed unit nothing restarted comes back, as an operator would bring it back."""
        from shlex import quote

        for node in nodes:
            self.transports[node].run_command(
                f"systemctl is-active --quiet {quote(unit)} || systemctl start {quote(unit)}",
                timeout=60,
            )
