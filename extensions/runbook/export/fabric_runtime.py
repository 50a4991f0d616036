"""What exported Fabric modules (``runbooks/NAME.py``) run on: plan, then run over Fabric.

An exported module holds its scenario as plain data; this module rebuilds the model from it,
makes the same plan ``runbook run`` makes (the same variables, host selection and
environment contract), and runs each step over Fabric connections with the runner's shell
text and verification loop, so an export never guesses what the runner would do.

Fabric calls a task once per ``-H`` host; the runner must see every host at once (``first``,
``run_once``, ``serial``, registered values), so each task call only collects its connection
and the ``finish`` post-task, which Fabric runs once after them, runs the steps.
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import paramiko
from fabric import Config, Connection
from fabric.runners import Remote
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.runners import Local
from invoke.tasks import Task

from runbook.errors import RunbookError
from runbook.execution.copying import UNPACK, pack_command
from runbook.execution.results import CommandResult
from runbook.execution.shell import BASH, script_text
from runbook.execution.verify import run_verification
from runbook.model import (
    Scenario,
    Secret,
    SourceLocation,
    Step,
    StepOptions,
    Value,
    Variable,
    Verify,
    mask_text,
)
from runbook.parsing.targets import parse_target
from runbook.plan.model import LOCAL_HOST, Inventory, Plan, PlannedStep

INVENTORY_ENV = "RUNBOOK_INVENTORY"
VARS_ENV = "RUNBOOK_VARS"
OUTPUT_TAIL = 20


class _WholeInput:
    """Hands the command its standard input in one piece.

    Invoke reads a file-like ``in_stream`` one byte per 10 ms (it is built for typing);
    a script of a few kilobytes would take seconds to arrive.
    """

    def read_our_stdin(self, input_: IO[str]) -> str:
        return input_.read()


class _LocalRunner(_WholeInput, Local):
    pass


class _RemoteRunner(_WholeInput, Remote):
    pass


def _config() -> Config:
    return Config(overrides={"runners": {"local": _LocalRunner, "remote": _RemoteRunner}})


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


def _opened(connection: Connection) -> Connection:
    """``connection``, open, with TCP_NODELAY on its socket.

    paramiko leaves Nagle's algorithm on, so every small request on an open connection
    waits for the peer's delayed acknowledgement: about 40 ms a command (bench/ measures it).
    """
    if not connection.is_connected:
        connection.open()
        transport: paramiko.Transport | None = connection.client.get_transport()
        # Through a jump host (ProxyJump, ProxyCommand) there is no TCP socket of ours.
        if transport is not None and isinstance(transport.sock, socket.socket):
            transport.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


@dataclasses.dataclass
class _Request:
    """What the task calls of one ``fab`` invocation asked for, until ``finish`` runs."""

    connections: list[Connection] = dataclasses.field(default_factory=list)
    inventory: str | None = None
    vars_file: str | None = None
    start: int = 1
    only: int | None = None


class Runbook:
    """One exported scenario: collects task calls, then plans and runs on ``finish``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.scenario = scenario_from_data(data)
        self._request: _Request | None = None
        self.finish: Task[Any] = Task(self._finish, name="finish")

    def collect(
        self,
        c: Context,
        *,
        inventory: str | None = None,
        vars_file: str | None = None,
        start: int = 1,
        only: int | None = None,
    ) -> None:
        """Note one task call; ``c`` is a Connection per ``-H`` host, else a plain Context."""
        request = self._request or _Request(
            inventory=inventory or os.environ.get(INVENTORY_ENV),
            vars_file=vars_file or os.environ.get(VARS_ENV),
            start=start,
            only=only,
        )
        if isinstance(c, Connection):
            request.connections.append(c)
        self._request = request

    def _finish(self, c: Context) -> None:
        request, self._request = self._request, None
        if request is None:
            return
        try:
            plan = self._plan(request)
            _Run(plan, request.connections).run(request.start, request.only)
        except RunbookError as error:
            raise Exit(f"{self.scenario.name}: {error}", code=1) from None

    def _plan(self, request: _Request) -> Plan:
        from runbook.plan.build import build_plan
        from runbook.plan.inventory import inventory_from_hosts, load_inventory

        if request.inventory:
            inventory = load_inventory(Path(request.inventory))
        elif request.connections:
            inventory = inventory_from_hosts(c.host for c in request.connections)
            names = tuple(host.name for host in inventory.hosts)
            groups = dict.fromkeys(self.scenario.roles, names)
            inventory = dataclasses.replace(inventory, groups=groups)
        else:
            raise RunbookError(
                f"no hosts: give -H HOST,... or an inventory (--inventory or {INVENTORY_ENV})"
            )
        cli_vars: dict[str, str] = {
            v.name: os.environ[v.name] for v in self.scenario.variables if v.name in os.environ
        }
        files = (Path(request.vars_file),) if request.vars_file else ()
        return build_plan(self.scenario, inventory, files=files, cli_vars=cli_vars)


class _Run:
    """One run of a plan's steps over Fabric; prints per host as each host finishes."""

    def __init__(self, plan: Plan, connections: list[Connection]) -> None:
        self.plan = plan
        assert plan.inventory is not None  # _plan always plans with an inventory
        self.inventory: Inventory = plan.inventory
        self.given = {c.host: c for c in connections}
        self.connections: dict[str, Connection] = {}
        self.registered: dict[str, Value] = {}
        self.secrets = [r.value for r in plan.variables.values() if isinstance(r.value, Secret)]
        self.lock = threading.Lock()

    def run(self, start: int, only: int | None) -> None:
        try:
            for planned in self.plan.steps:
                index = planned.step.index
                if index < start or (only is not None and index != only):
                    continue
                self._step(planned)
            print(f"{self.plan.scenario.name}: done", flush=True)
        finally:
            for connection in self.connections.values():
                connection.close()

    def _connection(self, name: str) -> Connection:
        with self.lock:
            if name not in self.connections:
                host = self.inventory.host(name)
                connection = self.given.get(host.address) or self.given.get(name)
                if connection is not None:
                    connection.config.runners.remote = _RemoteRunner
                else:
                    kwargs = {"key_filename": host.key_file} if host.key_file else {}
                    connection = Connection(
                        host.address,
                        user=host.user,
                        port=host.port,
                        connect_kwargs=kwargs,
                        config=_config(),
                    )
                    if host.known_hosts:
                        connection.client.load_host_keys(host.known_hosts)
                        connection.client.set_missing_host_key_policy(paramiko.RejectPolicy())
                self.connections[name] = connection
            return self.connections[name]

    def _exec(self, host: str, command: str, stdin: bytes) -> CommandResult:
        """``command`` on ``host`` (the control host for ``local``), never raising on failure."""
        started = time.monotonic()
        runner = Context(_config()) if host == LOCAL_HOST else _opened(self._connection(host))
        result = runner.run(
            command,
            in_stream=io.StringIO(stdin.decode("utf-8")),
            hide=True,
            warn=True,
        )
        assert result is not None  # only a disowned command has no result
        return CommandResult(
            result.exited,
            result.stdout.encode("utf-8"),
            result.stderr.encode("utf-8"),
            time.monotonic() - started,
        )

    def _shell(self, planned: PlannedStep, host: str, body: str) -> CommandResult:
        from runbook.plan.environment import step_environment

        env = step_environment(self.plan, planned, host, self.registered)
        return self._exec(host, BASH, script_text(env, body))

    def _mask(self, text: str) -> str:
        return mask_text(text, self.secrets)

    def _step(self, planned: PlannedStep) -> None:
        step = planned.step
        hosts = list(planned.hosts)
        if step.options.run_once:
            hosts = hosts[:1]
        print(f"==> {step.id}: {step.title} [{', '.join(hosts)}]", flush=True)
        archive = self._archive(planned) if step.options.copy_paths else None
        size = step.options.serial or max(len(hosts), 1)
        outcomes: dict[str, tuple[str, CommandResult | None, str]] = {}
        for first in range(0, len(hosts), size):
            batch = hosts[first : first + size]
            with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                futures = {h: pool.submit(self._on_host, planned, h, archive) for h in batch}
            for host in batch:
                outcomes[host] = futures[host].result()
                self._report(step, host, *outcomes[host])
            failed = [h for h in batch if outcomes[h][0] == "failed"]
            if failed:
                raise RunbookError(
                    f"step {step.id} ({step.title}) failed on {', '.join(failed)}; it is written "
                    f"at {step.location} (#{step.anchor}); resume with: deploy --start "
                    f"{step.index}",
                    step.location,
                )
        name = step.options.register
        if name and hosts:
            result = outcomes[hosts[0]][1]
            value = result.out.strip() if result is not None else ""
            self.registered[name] = Secret(value) if step.options.sensitive else value

    def _archive(self, planned: PlannedStep) -> str:
        """The copied paths from the copy-from host, as base64 text held only in memory."""
        step = planned.step
        source = planned.copy_from
        assert source is not None  # the plan resolves the copy-from host of every copy step
        paths = " ".join(step.options.copy_paths)
        command = f"{pack_command(step.options.copy_paths)} | base64 -w0\n"
        result = self._exec(source, BASH, command.encode())
        if result.exit_status != 0:
            raise RunbookError(f"step {step.id}: reading {paths} on {source} failed", step.location)
        self._copy_source = source
        return result.out

    def _on_host(
        self, planned: PlannedStep, host: str, archive: str | None
    ) -> tuple[str, CommandResult | None, str]:
        step = planned.step
        if step.guard:
            guard = self._shell(planned, host, step.guard)
            if guard.exit_status == 0:
                return "skipped", None, "guard holds: already done"
        if archive is not None and host != self._copy_source:
            copied = self._exec(host, f"base64 -d | {UNPACK}", archive.encode())
            if copied.exit_status != 0:
                return "failed", copied, "copying the files failed"
        result = None
        if step.script.strip():
            result = self._shell(planned, host, step.script)
            if result.exit_status != step.options.expect_exit:
                why = f"exit status {result.exit_status}, expected {step.options.expect_exit}"
                return "failed", result, why
        verify = step.verify
        if verify is not None:
            outcome = run_verification(
                verify,
                lambda remaining: self._shell(planned, host, verify.command),
                on_retry=lambda *_: None,
                cancelled=threading.Event(),
                mask=self._mask,
            )
            if not outcome.passed:
                return "failed", outcome.last, f"verification failed: {outcome.reason}"
        return "ok", result, ""

    def _report(
        self, step: Step, host: str, state: str, result: CommandResult | None, why: str
    ) -> None:
        lines = [f"    {host}: {state}" + (f" ({why})" if why else "")]
        if result is not None and not step.options.sensitive:
            output = self._mask(result.out + result.err).rstrip("\n")
            tail = output.splitlines()[-OUTPUT_TAIL:] if output else []
            lines += [f"      | {line}" for line in tail]
        stream = sys.stderr if state == "failed" else sys.stdout
        print("\n".join(lines), file=stream, flush=True)
