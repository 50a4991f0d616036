"""Drills: a fault injected into a deployed cluster, the probes that watch it, the budget.

A drill is data like a scenario: written once in the guide (the ``drill`` directive),
frozen here, run by ``runbook drill``. Validation happens on construction, so a drill
that exists is one that can run; the directive reports the ``ValueError`` at its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from runbook.model.location import SourceLocation

DRILL_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
#: An inventory host name, or one of the words that pick a node when the drill starts.
NODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
UNIT_RE = re.compile(r"^[A-Za-z0-9@_.:-]{1,128}$")

#: The node holding the virtual IP when the drill starts.
VIP_HOLDER = "vip-holder"
#: The first node (inventory order) that does not hold the virtual IP.
OTHER = "other"

#: What each fault does on the testbed; an operator does the same by hand on real hosts.
FAULTS = {
    "poweroff": "cut the power of the node (every process killed at once)",
    "kill-service": "kill every process of a systemd unit on the node",
    "link-down": "unplug the node's network cable",
    "netem": "delay or drop the packets the node receives",
    "freeze": "freeze every process of the node (a hung host that still holds its address)",
    "outage": "cut the power of every node at once (a full outage)",
}
#: How each fault is undone once it has been held for its time.
RESTORES = {
    "poweroff": "power the node on again",
    "kill-service": "start the unit again if nothing restarted it",
    "link-down": "plug the cable back in",
    "netem": "remove the impairment",
    "freeze": "thaw the node",
    "outage": "power every node on again",
}

#: The probes, each with its default port and what a success proves.
PROBES = {
    "tcp": (None, "something accepts a TCP connection on the VIP and port"),
    "http": (80, "an HTTP request through the VIP gets an answer below status 500"),
    "sql": (
        3306,
        "a row written through the VIP is committed and read back through the VIP "
        "(mysql client on a surviving node)",
    ),
    "amqp": (
        5672,
        "a broker answers an AMQP 0-9-1 handshake (Connection.Start), trying each broker "
        "in turn as a client with every broker in its URL does",
    ),
    "memcached": (11211, "a memcached instance answers `version`, trying each in turn"),
    "keystone": (
        5000,
        "Keystone validates a token through the VIP, as every API does for each request "
        "(the token: one issued through the VIP to the guide's `admin`, password "
        "keystone_admin_password, asked for again when refused)",
    ),
}


@dataclass(frozen=True, slots=True)
class Fault:
    """What breaks: a fault kind, the nodes it hits and its parameters."""

    kind: str
    nodes: tuple[str, ...] = ()
    unit: str | None = None
    delay_ms: float | None = None
    loss: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULTS:
            raise ValueError(f"unknown fault {self.kind!r} (known: {', '.join(FAULTS)})")
        if self.kind == "outage":
            if self.nodes:
                raise ValueError("the outage fault hits every node: name none")
        elif not self.nodes:
            raise ValueError(
                f"the {self.kind} fault needs a node ({VIP_HOLDER}, {OTHER} or a host)"
            )
        for node in self.nodes:
            if not NODE_RE.match(node):
                raise ValueError(f"{node!r} is not a node name")
        if len(set(self.nodes)) != len(self.nodes):
            raise ValueError("a node is named twice")
        if (self.kind == "kill-service") != (self.unit is not None):
            raise ValueError("kill-service needs one node and a unit: kill-service NODE UNIT")
        if self.unit is not None and not UNIT_RE.match(self.unit):
            raise ValueError(f"{self.unit!r} is not a systemd unit name")
        impaired = self.delay_ms is not None or self.loss is not None
        if (self.kind == "netem") != impaired:
            raise ValueError("netem needs delay=DURATION and/or loss=PERCENT, and only netem does")
        if self.delay_ms is not None and not 0 < self.delay_ms <= 60_000:
            raise ValueError("delay must be more than 0 and at most 60s")
        if self.loss is not None and not 0 < self.loss <= 100:
            raise ValueError("loss must be a percentage above 0 and at most 100")

    def __str__(self) -> str:
        parts = [self.kind, *self.nodes]
        if self.unit is not None:
            parts.append(self.unit)
        if self.delay_ms is not None:
            parts.append(f"delay={self.delay_ms:g}ms")
        if self.loss is not None:
            parts.append(f"loss={self.loss:g}%")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Probe:
    """One continuous check from the control host; ``database`` only for ``sql``."""

    kind: str
    port: int
    path: str = "/"
    database: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in PROBES:
            raise ValueError(f"unknown probe {self.kind!r} (known: {', '.join(PROBES)})")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")
        if (self.kind == "sql") != (self.database is not None):
            raise ValueError("only the sql probe names a database, and it must: sql:DATABASE")
        if self.kind != "http" and self.path != "/":
            raise ValueError("only the http probe takes a path")

    @property
    def label(self) -> str:
        """The probe as written in the guide, also its key in the recorded figures."""
        if self.kind == "sql":
            return f"sql:{self.database}"
        if self.kind == "http":
            return f"http:{self.port}{self.path}"
        if self.port == PROBES[self.kind][0]:
            return self.kind
        return f"{self.kind}:{self.port}"


@dataclass(frozen=True, slots=True)
class Budget:
    """The most a drill may cost; ``None`` means that figure is not budgeted."""

    downtime: float | None = None
    mttr: float | None = None
    failed_requests: int | None = None
    lost_writes: int | None = None

    def __post_init__(self) -> None:
        for name in ("downtime", "mttr", "failed_requests", "lost_writes"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"the {name.replace('_', ' ')} budget cannot be negative")
        if all(
            value is None
            for value in (self.downtime, self.mttr, self.failed_requests, self.lost_writes)
        ):
            raise ValueError(
                "a drill needs a budget: :downtime:, :mttr:, :failed-requests: or :lost-writes:"
            )


@dataclass(frozen=True, slots=True)
class Drill:
    """A drill of the guide: deploy ``scenarios``, break with ``fault``, measure, restore.

    ``verify`` is a shell command run on every host of the inventory before the fault and
    after the restore: the cluster is healthy when it succeeds everywhere and every probe
    succeeds. ``hold`` is how long the fault lasts before it is undone;
    ``recovery_timeout`` how long the cluster then has to be healthy again.
    """

    name: str
    title: str
    scenarios: tuple[str, ...]
    fault: Fault
    probes: tuple[Probe, ...]
    budget: Budget
    symptom: str = ""
    hints: tuple[str, ...] = ()
    verify: str = ""
    hold: float = 30.0
    recovery_timeout: float = 300.0
    location: SourceLocation | None = None
    docname: str | None = None

    @property
    def needs_vip(self) -> bool:
        """Its probes go through the VIP, or its fault picks a node by the VIP."""
        through = any(probe.kind in ("tcp", "http", "sql", "keystone") for probe in self.probes)
        return through or bool({VIP_HOLDER, OTHER} & set(self.fault.nodes))

    def __post_init__(self) -> None:
        if not DRILL_NAME_RE.match(self.name):
            raise ValueError(f"drill name {self.name!r} must be lower-case letters, digits and '-'")
        if not self.scenarios:
            raise ValueError("a drill needs the scenarios it runs on (:scenarios:)")
        if not self.probes:
            raise ValueError("a drill needs at least one probe (:probes:)")
        labels = [probe.label for probe in self.probes]
        if len(set(labels)) != len(labels):
            raise ValueError("a probe is named twice")
        if self.budget.lost_writes is not None and not any(p.kind == "sql" for p in self.probes):
            raise ValueError("a :lost-writes: budget needs an sql probe, the one that writes")
        if not 0 < self.hold <= 3600:
            raise ValueError("the fault must be held for more than 0 and at most 1h")
        if not 0 < self.recovery_timeout <= 3600:
            raise ValueError("the recovery timeout must be more than 0 and at most 1h")
