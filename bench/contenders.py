"""The tools raced on the same scenario and hosts, each as a command line timed end to end.

* ``runbook``: ``runbook run`` on the scenario's source;
* ``ssh-mux``: the same commands one by one, each ``ssh HOST bash -s`` over one multiplexed
  OpenSSH connection (ControlMaster): the floor for commands with separate exit statuses;
* ``ssh-script``: one ``ssh HOST bash -s`` of a script holding every command;
* ``ansible``: ``ansible-playbook`` on the exported playbook, as a skilled user runs it
  (pipelining on, facts off, persistent multiplexed connections, no interpreter discovery);
* ``fab``: the exported Fabric module through ``fab``.

The two SSH forms send exactly the text ``runbook run`` sends (the same
:func:`~runbook.execution.shell.script_text` of the same plan), so the four differ only in
how they carry it. Each run opens its own connections and closes them: nothing is reused
from one run to the next.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.measure import Sample, timed

if TYPE_CHECKING:
    from runbook.plan.model import Plan

BIN = Path(sys.executable).parent
RUNBOOK = BIN / "runbook"
ANSIBLE_PLAYBOOK = BIN / "ansible-playbook"
FAB = BIN / "fab"
REMOTE_PYTHON = "/usr/bin/python3"

ALL = ("runbook", "ssh-mux", "ssh-script", "ansible", "fab")
FLEET = ("runbook", "ansible")


@dataclass
class Prepared:
    """One scenario made ready for every tool against one inventory."""

    name: str
    source: Path
    inventory: Path
    exports: Path
    workdir: Path
    commands: list[Path] = field(default_factory=list)
    ssh: list[str] = field(default_factory=list)
    login: str = ""


def prepare(source: Path, inventory: Path, workdir: Path, *, raw_ssh: bool) -> Prepared:
    """Export the scenario and, with ``raw_ssh``, write the commands the SSH forms send.

    The raw forms exist for a one-host inventory only: they stand for what a person would
    type for one host, not for a fleet tool.
    """
    from runbook.docutils_.loader import load_scenario
    from runbook.export.writer import generate, write
    from runbook.plan.build import build_plan
    from runbook.plan.inventory import load_inventory

    scenario = load_scenario(str(source))
    exports = workdir / "exports"
    write(generate({scenario.name: scenario}, workdir), exports)
    prepared = Prepared(scenario.name, source, inventory, exports, workdir)
    if not raw_ssh:
        return prepared
    plan = build_plan(scenario, load_inventory(inventory))
    host = plan.inventory.hosts[0]  # type: ignore[union-attr]
    _write_commands(prepared, plan, host.name)
    prepared.ssh.extend(
        [
            "ssh",
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-i",
            str(host.key_file),
            "-o",
            f"UserKnownHostsFile={host.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-l",
            host.user,
            "-p",
            str(host.port),
        ]
    )
    prepared.login = host.address
    _write_drivers(prepared)
    return prepared


def _write_commands(prepared: Prepared, plan: Plan, host: str) -> None:
    from runbook.execution.shell import script_text
    from runbook.plan.environment import step_environment

    directory = prepared.workdir / "commands"
    directory.mkdir(parents=True, exist_ok=True)
    for planned in plan.steps:
        env = step_environment(plan, planned, host)
        bodies = [planned.step.script]
        if planned.step.verify is not None:
            bodies.append(planned.step.verify.command)
        for body in bodies:
            path = directory / f"{len(prepared.commands) + 1:04d}.sh"
            path.write_bytes(script_text(env, body))
            prepared.commands.append(path)


def _write_drivers(prepared: Prepared) -> None:
    """``ssh-mux.sh`` (one ssh per command on a master) and ``ssh-script.sh`` (one ssh)."""
    ssh = shlex.join(prepared.ssh)
    login = shlex.quote(prepared.login)
    control = shlex.quote(str(prepared.workdir / "mux.sock"))
    lines = [
        "set -u",
        f"ssh=({ssh} -o ControlPath={control})",
        f'"${{ssh[@]}}" -o ControlMaster=yes -o ControlPersist=yes -N -f {login} || exit 1',
        f"trap '\"${{ssh[@]}}\" -O exit {login} 2> /dev/null' EXIT",
        "status=0",
    ]
    lines += [
        f'"${{ssh[@]}}" {login} bash -s < {shlex.quote(str(c))} > /dev/null || status=1'
        for c in prepared.commands
    ]
    lines.append("exit $status")
    (prepared.workdir / "ssh-mux.sh").write_text("\n".join(lines) + "\n")

    # One remote script: every command in a fresh bash of its own, as the runner does.
    script = ["status=0"]
    for number, command in enumerate(prepared.commands, start=1):
        text = command.read_text()
        script += [f"bash -s > /dev/null <<'RB_COMMAND_{number}' || status=1", text.rstrip("\n")]
        script.append(f"RB_COMMAND_{number}")
    script.append("exit $status")
    (prepared.workdir / "whole.sh").write_text("\n".join(script) + "\n")


def ansible_environment(workdir: Path, forks: int) -> dict[str, str]:
    """The settings a skilled user chooses: no facts, pipelining, persistent connections."""
    home = workdir / "ansible"
    return {
        **os.environ,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_GATHERING": "explicit",
        "ANSIBLE_FORKS": str(forks),
        "ANSIBLE_PYTHON_INTERPRETER": REMOTE_PYTHON,
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=auto -o ControlPersist=60s",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(home / "cp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
    }


def close_ansible_masters(workdir: Path) -> None:
    """End the ControlPersist masters a run left, so the next run connects afresh."""
    control_dir = workdir / "ansible" / "cp"
    for socket_path in control_dir.glob("*") if control_dir.is_dir() else []:
        timed(
            ["ssh", "-F", "/dev/null", "-o", f"ControlPath={socket_path}", "-O", "exit", "x"],
            timeout=10,
        )


def run_tool(tool: str, prepared: Prepared, *, forks: int = 1) -> Sample:
    """One end-to-end run of ``tool`` on the prepared scenario."""
    work = prepared.workdir
    if tool == "runbook":
        argv = [
            RUNBOOK,
            "run",
            prepared.source,
            "-i",
            prepared.inventory,
            "--state-dir",
            work / "state",
            "--forks",
            str(max(forks, 1)),
        ]
        return timed(argv, cwd=work)
    if tool == "ssh-mux":
        return timed(["bash", work / "ssh-mux.sh"], cwd=work)
    if tool == "ssh-script":
        return timed([*prepared.ssh, prepared.login, "bash", "-s"], stdin=work / "whole.sh")
    if tool == "ansible":
        playbook = prepared.exports / f"{prepared.name}.yml"
        argv = [ANSIBLE_PLAYBOOK, "-i", prepared.inventory, playbook]
        try:
            return timed(argv, cwd=work, env=ansible_environment(work, forks))
        finally:
            close_ansible_masters(work)
    if tool == "fab":
        argv = [
            FAB,
            "-r",
            prepared.exports,
            "-c",
            prepared.name,
            "deploy",
            "--inventory",
            prepared.inventory,
        ]
        return timed(argv, cwd=work)
    raise ValueError(f"unknown tool {tool!r}")
