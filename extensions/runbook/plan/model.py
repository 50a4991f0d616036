"""The plan: a scenario resolved against an inventory and variables, ready to run or show.

Everything downstream (dry-run, check, runner, exports with an inventory) reads this; the
runner never goes back to the scenario's text. No I/O here.

Environment contract (docs/reference/variables.md; :mod:`runbook.plan.environment`
builds it, exporters follow it too). Every step on every host sees, as exported
environment variables:

* each declared variable of the scenario under its own name, with its resolved value
  for that host (its inventory host and group variables applied);
* ``RB_NODES`` (the scenario's host names, space separated, inventory order),
  ``RB_NODE_COUNT``, ``RB_NODE1`` .. ``RB_NODEn``, ``RB_ADDRS`` (their addresses, same
  order), ``RB_HOST`` and ``RB_ADDRESS`` (the host the step is running on;
  ``localhost`` / ``127.0.0.1`` for ``local`` steps);
* for legacy phd scenarios also every ``PHD_VAR_*`` value given, ``PHD_ENV_nodes``,
  ``PHD_ENV_nodes1`` .. and ``PHD_ENV_floating_ips`` (+ ``1``..) when the inventory has
  ``floating_ips``, any other ``PHD_ENV_*`` the inventory's variables for all hosts set
  (phd's cluster definition held them), and the file's LOCAL_VARIABLES (``$NAME`` in
  them expanded);
* values captured by earlier steps' ``register``.

``RB_*`` and ``PHD_ENV_*`` are reserved: nothing a scenario declares or registers
shadows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from runbook.model import Scenario, SourceLocation, Step, Value

#: Where a variable's value came from, lowest precedence first.
ValueSource = Literal["default", "file", "inventory", "cli", "register"]

#: The name a plan gives the control host when a step's target is ``local``.
LOCAL_HOST = "localhost"


@dataclass(frozen=True, slots=True)
class Host:
    """One inventory host and how to reach it over SSH."""

    name: str
    address: str
    user: str = "root"
    port: int = 22
    key_file: str | None = None
    known_hosts: str | None = None
    groups: tuple[str, ...] = ()
    vars: Mapping[str, Value] = field(default_factory=dict)
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class Inventory:
    """Hosts in file order and the groups (roles) that name them."""

    hosts: tuple[Host, ...]
    groups: Mapping[str, tuple[str, ...]]
    vars: Mapping[str, Value] = field(default_factory=dict)
    floating_ips: tuple[str, ...] = ()
    location: SourceLocation | None = None

    def host(self, name: str) -> Host:
        """A host by name; ``KeyError`` when the inventory has none by that name."""
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class ResolvedValue:
    """A variable's value with where it came from (for dry-runs and error messages)."""

    value: Value
    source: ValueSource
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """A step with the hosts it runs on, in order; ``(LOCAL_HOST,)`` for ``local``.

    A ``run_once`` step keeps only the first of its target's hosts. ``copy_from`` is the
    host a ``copy`` step's files come from (``None`` when the step copies nothing).
    """

    step: Step
    hosts: tuple[str, ...]
    copy_from: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A scenario resolved for one inventory and one set of variables.

    ``inventory`` is ``None`` for a plan made without one (exports, ``runbook plan``
    without ``-i``); then every ``PlannedStep.hosts`` is empty.
    """

    scenario: Scenario
    steps: tuple[PlannedStep, ...]
    variables: Mapping[str, ResolvedValue]
    inventory: Inventory | None = None
    nodes: tuple[str, ...] = ()
    digest: str = ""
