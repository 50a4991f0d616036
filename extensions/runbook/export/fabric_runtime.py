"""What exported Fabric modules (``runbooks/NAME.py``) run on: the runner, over SSH.

An exported module holds its scenario as plain data; this module rebuilds the model from
it, makes the same plan ``runbook run`` makes (the same variables, host selection and
environment contract) and runs it through the same :class:`~runbook.execution.runner.Runner`
(guards, copies, scripts, registered values, verifications, masking: one executor).

The hosts are reached with the runner's own SSH transport, configured with Fabric's
connection settings for each ``-H`` host (user, port, ``-i`` keys, ssh_config's
``UserKnownHostsFile`` and ``StrictHostKeyChecking accept-new``), or the inventory's.
Two ways were measured (``python -m bench.transports``: a one-line script at a time on a
testbed node, three rounds of a hundred): a transport over Fabric's ``Connection.run``
took 22 to 24 ms a command (each command a new sshd session, and Invoke's reader
threads poll and sleep), the SSH transport's command loop 0.7 to 3 ms. Only the SSH
transport also applies ``runbook run``'s host key policy (an unknown key is refused)
rather than Fabric's, which accepts any. So the exported tasks use the SSH transport.

Fabric calls a task once per ``-H`` host; the runner must see every host at once
(``first``, ``run_once``, ``serial``, registered values), so each task call only collects
its connection and the ``finish`` post-task, which Fabric runs once after them, runs the
steps through :func:`run_plan`: ``runbook run``'s session (locks, journal, transcripts).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fabric import Connection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import Task

from runbook.errors import RunbookError
from runbook.execution.connect import TransportFactory
from runbook.execution.console import ConsoleReport
from runbook.execution.events import Event, RunFinished
from runbook.execution.transport import ConnectOptions, LocalTransport, Transport
from runbook.model import Scenario, SourceLocation, Step, StepOptions, Variable, Verify
from runbook.parsing.targets import parse_target
from runbook.plan.model import LOCAL_HOST, Inventory, Plan, PlannedStep

INVENTORY_ENV = "RUNBOOK_INVENTORY"
VARS_ENV = "RUNBOOK_VARS"


def _location(text: str | None) -> SourceLocation | None:
    if not text:
        return None
    path, _, line = text.rpartition(":")
    return SourceLocation(path, int(line)) if line.isdigit() and path else SourceLocation(text)


def scenario_from_data(data: Mapping[str, Any]) -> Scenario:
    """The model of an exported scenario, as the guide's parser made it."""
    name = data["name"]
    steps = []
    for index, item in enumerate(data["steps"], start=1):
        verify = item["verify"]
        steps.append(
            Step(
                scenario=name,
                index=index,
                title=item["title"],
                script=item["script"],
                target=parse_target(item["target"]),
                guard=item["guard"],
                verify=Verify(**verify) if verify else None,
                options=StepOptions(
                    run_once=item["run_once"],
                    serial=item["serial"],
                    sensitive=item["sensitive"],
                    expect_exit=item["expect_exit"],
                    register=item["register"],
                    copy_paths=tuple(item["copy"]),
                    copy_from=parse_target(item["copy_from"]) if item["copy_from"] else None,
                ),
                location=_location(item["source"]),
            )
        )
    return Scenario(
        name=name,
        title=data["title"],
        steps=tuple(steps),
        requires=tuple(data["requires"]),
        variables=tuple(
            Variable(v["name"], v["description"], v["default"], v["secret"])
            for v in data["variables"]
        ),
        hosts_role=data["hosts"],
        min_nodes=data["nodes"],
        origin=data["origin"],
        local_variables=tuple((k, v) for k, v in data["local_variables"]),
        location=_location(data["source"]),
    )


@dataclasses.dataclass
class _Request:
    """What the task calls of one ``fab`` invocation asked for, until ``finish`` runs."""

    connections: list[Connection] = dataclasses.field(default_factory=list)
    inventory: str | None = None
    vars_file: str | None = None
    start: int = 1
    only: int | None = None
    accept_new_hostkeys: bool = False
    verbose: bool = False


class Runbook:
    """One exported scenario: collects task calls, then plans and runs on ``finish``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.scenario = scenario_from_data(data)
        self._request: _Request | None = None
        self.finish: Task[Any] = Task(self._finish, name="finish")

    def collect(
        self,
        c: Context,
        inventory: str | None = None,
        vars_file: str | None = None,
        accept_new_hostkeys: bool = False,
        verbose: bool = False,
        *,
        start: str | None = None,
        only: int | None = None,
    ) -> None:
        """Note one task call; ``c`` is a Connection per ``-H`` host, else a plain Context."""
        request = self._request or _Request(
            inventory=inventory or os.environ.get(INVENTORY_ENV),
            vars_file=vars_file or os.environ.get(VARS_ENV),
            start=_step_number(start),
            only=only,
            accept_new_hostkeys=accept_new_hostkeys,
            verbose=verbose,
        )
        if isinstance(c, Connection):
            request.connections.append(c)
        self._request = request

    def _finish(self, c: Context) -> None:
        request, self._request = self._request, None
        if request is None:
            return
        try:
            plan, factory = self._plan(request)
            steps = [
                planned
                for planned in plan.steps
                if planned.step.index >= request.start
                and (request.only is None or planned.step.index == request.only)
            ]
            if not steps:
                raise RunbookError(
                    f"no step {request.start}: the scenario has {len(plan.steps)} steps"
                )
            finished = run_plan(plan, steps, factory, verbose=request.verbose)
        except RunbookError as error:
            raise Exit(f"{self.scenario.name}: {error}", code=1) from None
        if finished.status != "done":
            where = finished.failures[0][0] if finished.failures else finished.interrupted
            resume = f"; resume with: deploy --start {where.index}" if where else ""
            code = 130 if finished.status == "interrupted" else 1
            raise Exit(f"{self.scenario.name}: {finished.status}{resume}", code=code)

    def _plan(self, request: _Request) -> tuple[Plan, TransportFactory]:
        from runbook.plan.build import build_plan
        from runbook.plan.inventory import load_inventory

        options = ConnectOptions(accept_new_hostkeys=request.accept_new_hostkeys)
        settings: dict[str, _Settings] = {}
        if request.inventory:
            inventory = load_inventory(Path(request.inventory))
        elif request.connections:
            inventory, settings = _fabric_hosts(self.scenario, request.connections, options)
        else:
            raise RunbookError(
                f"no hosts: give -H HOST,... or an inventory (--inventory or {INVENTORY_ENV})"
            )
        cli_vars: dict[str, str] = {
            v.name: os.environ[v.name] for v in self.scenario.variables if v.name in os.environ
        }
        files = (Path(request.vars_file),) if request.vars_file else ()
        plan = build_plan(self.scenario, inventory, files=files, cli_vars=cli_vars)
        return plan, _ssh_factory(inventory, options, settings)


def _step_number(text: str | None) -> int:
    """``--start``'s value, a step number; anything else ends ``fab`` with a message."""
    if text is None:
        return 1
    if not str(text).isdigit() or int(text) < 1:
        raise Exit(f"deploy --start takes a step number (1, 2, ...), not {text!r}", code=2)
    return int(text)


def run_plan(
    plan: Plan, steps: Sequence[PlannedStep], factory: TransportFactory, *, verbose: bool = False
) -> RunFinished:
    """The whole of a ``fab`` run after planning, through ``runbook run``'s own lifecycle.

    The same session object: the run lock and every host's lock, the refusal of values no
    host could be given, the journal and transcripts (in ``runbook run``'s state directory,
    so ``runbook run --resume`` and the executed guide see a ``fab`` run too).
    """
    from runbook.execution.session import Chosen, Session, SessionOptions
    from runbook.execution.statedir import default_state_dir

    ended: list[RunFinished] = []

    def keep_end(event: Event) -> None:
        if isinstance(event, RunFinished):
            ended.append(event)

    session = Session(
        plan,
        SessionOptions(state_dir=default_state_dir()),
        factory=factory,
        say=lambda text: print(text, file=sys.stdout),
        warn=lambda text: print(f"warning: {text}", file=sys.stderr),
    )
    status = session.run(
        Chosen(tuple(steps)), [ConsoleReport(sys.stdout, verbose=verbose), keep_end]
    )
    return ended[-1] if ended else RunFinished(status, 0.0)


@dataclasses.dataclass(frozen=True)
class _Settings:
    """How one ``-H`` host is reached, from Fabric's settings for it."""

    options: ConnectOptions
    key_files: tuple[str, ...]


def _fabric_hosts(
    scenario: Scenario, connections: Sequence[Connection], options: ConnectOptions
) -> tuple[Inventory, dict[str, _Settings]]:
    """An inventory of the ``-H`` hosts, in the order given, with Fabric's settings for each.

    Every role the scenario names is all of them. Keys: Fabric's ``-i`` and ssh_config's
    ``IdentityFile``, per host; known_hosts: ssh_config's ``UserKnownHostsFile`` (else
    ``~/.ssh/known_hosts``); ``StrictHostKeyChecking accept-new`` accepts and records a
    new key, as ``--accept-new-hostkeys`` does.
    """
    from runbook.plan.inventory import inventory_from_hosts

    base = inventory_from_hosts(c.host for c in connections)
    hosts, settings = [], {}
    # One host per connection, in order (a host given twice is refused above).
    for host, connection in zip(base.hosts, connections, strict=True):
        config = connection.ssh_config
        known = str(config.get("userknownhostsfile", "")).split()
        hosts.append(
            dataclasses.replace(
                host,
                user=connection.user,
                port=int(connection.port),
                known_hosts=known[0] if known else None,
            )
        )
        files = connection.connect_kwargs.get("key_filename") or ()
        accept = str(config.get("stricthostkeychecking", "")).lower() == "accept-new"
        own = dataclasses.replace(
            options,
            accept_new_hostkeys=options.accept_new_hostkeys or accept,
            timeout=float(connection.connect_timeout or options.timeout),
        )
        settings[host.name] = _Settings(own, (files,) if isinstance(files, str) else tuple(files))
    names = tuple(host.name for host in hosts)
    groups = dict.fromkeys(scenario.roles, names)
    return dataclasses.replace(base, hosts=tuple(hosts), groups=groups), settings


def _ssh_factory(
    inventory: Inventory, options: ConnectOptions, settings: Mapping[str, _Settings]
) -> TransportFactory:
    """The control host's local transport, and the runner's SSH transport for each host."""
    from runbook.execution.ssh import SSHTransport

    def make(name: str) -> Transport:
        if name == LOCAL_HOST:
            return LocalTransport(LOCAL_HOST)
        own = settings.get(name, _Settings(options, ()))
        return SSHTransport(inventory.host(name), own.options, key_files=own.key_files)

    return make
