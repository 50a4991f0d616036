"""The testbed's fence device: the few virsh commands it answers, and its keys on the nodes.

The nodes fence each other with Debian's unmodified ``fence_virsh``, which logs in over
SSH to a libvirt host and types ``virsh list --all``, ``virsh domstate NODE``, ``virsh
destroy NODE`` and ``virsh start NODE`` at a shell prompt. The testbed's host plays that
libvirt host, but with no shell at all: `runbook.testbed.fence_server` listens on the
testbed's own bridge address only and hands every line to `answer`, which knows exactly
those four commands and the testbed's own nodes, and drives the testbed's power control.
Anything else is refused, so the device can switch off no node outside its testbed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from runbook.testbed import fs
from runbook.testbed.state import TestbedState

#: The TCP port of the fence device on the testbed's bridge address (never 22: the host
#: may run its own sshd on every address).
PORT = 1622
#: The account fence_virsh logs in as (``username=``): the device has no other.
USER = "root"
#: fence_virsh's default prompt: its own ssh options make a bash print exactly this.
PROMPT = "[EXPECT]# "
#: Where each node keeps the device's login key (``identity_file=``).
NODE_KEY = "root/.ssh/id_testbed_fence"
NODE_KNOWN_HOSTS = "root/.ssh/known_hosts"

# A domain name worth repeating in an answer; anything else is not echoed back.
DOMAIN_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
COMMANDS = "virsh list [--all], virsh domstate NODE, virsh start NODE, virsh destroy NODE, quit"


class PowerSwitch(Protocol):
    """The outlets behind the device: one per testbed node, named like the node."""

    def outlets(self) -> list[str]: ...

    def is_on(self, outlet: str) -> bool: ...

    def off(self, outlet: str) -> None: ...

    def on(self, outlet: str) -> None: ...


@dataclass(frozen=True)
class Answer:
    """What the device prints for one line, the exit status virsh would have, and the action."""

    text: str
    status: int = 0
    done: bool = False
    #: "off" or "on" when the line switched an outlet, for the device's event log.
    action: str = ""
    outlet: str = ""


def _state(on: bool) -> str:
    return "running" if on else "shut off"


def _unknown(domain: str) -> Answer:
    named = f" '{domain}'" if DOMAIN_RE.match(domain) else ""
    return Answer(f"error: failed to get domain{named}\n", status=1)


# What virsh says, per direction: its verb, its past tense, and why it refuses.
_VERBS = {
    False: ("destroy", "destroyed", "domain is not running"),
    True: ("start", "started", "domain is already active"),
}


def _switch(domain: str, switch: PowerSwitch, *, on: bool) -> Answer:
    if domain not in switch.outlets():
        return _unknown(domain)
    verb, done, refusal = _VERBS[on]
    if switch.is_on(domain) == on:
        return Answer(
            f"error: Failed to {verb} domain '{domain}'\n"
            f"error: Requested operation is not valid: {refusal}\n",
            status=1,
        )
    if on:
        switch.on(domain)
    else:
        switch.off(domain)
    return Answer(f"Domain '{domain}' {done}\n\n", action="on" if on else "off", outlet=domain)


def answer(line: str, switch: PowerSwitch) -> Answer:
    """The device's reply to one command line, as virsh would print it.

    A node not in the testbed is "not found", exactly as virsh says of an unknown domain,
    which fence_virsh reports as a failed fence: the request is refused.
    """
    words = line.split()
    if not words:
        return Answer("")
    if words in (["quit"], ["exit"], ["logout"]):
        return Answer("", done=True)
    if words[0] != "virsh":
        return Answer(f"error: this fence device only answers: {COMMANDS}\n", status=127)
    match words[1:]:
        case ["list"] | ["list", "--all"]:
            everything = len(words) == 3
            rows = [" Id   Name       State", "-" * 32]
            for index, outlet in enumerate(switch.outlets(), start=1):
                on = switch.is_on(outlet)
                if on or everything:
                    rows.append(f" {index if on else '-':<4} {outlet:<10} {_state(on)}")
            return Answer("\n".join(rows) + "\n\n")
        case ["domstate", domain]:
            if domain not in switch.outlets():
                return _unknown(domain)
            return Answer(f"{_state(switch.is_on(domain))}\n\n")
        case ["destroy", domain]:
            return _switch(domain, switch, on=False)
        case ["start", domain]:
            return _switch(domain, switch, on=True)
    return Answer(f"error: this fence device only answers: {COMMANDS}\n", status=1)


def authorized_key(state: TestbedState) -> str:
    """The one public key the device accepts: the testbed's fence key."""
    return state.paths.fence_key.with_suffix(".pub").read_text().strip()


def known_hosts_line(state: TestbedState) -> str:
    """The device's host key as the nodes' ssh knows it: ``[ADDRESS]:PORT TYPE KEY``."""
    kind, blob = state.paths.fence_host_key.with_suffix(".pub").read_text().split()[:2]
    return f"[{state.host_address}]:{PORT} {kind} {blob}"


def install_on_node(state: TestbedState, root: Path) -> None:
    """Give a node (its mounted root) the device's login key and host key.

    Every node gets the same key, and only the testbed's nodes get it: the device itself
    also checks the caller's address. Lines a scenario added to known_hosts stay.
    """
    key = root / NODE_KEY
    key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fs.atomic_write(key, state.paths.fence_key.read_text(), mode=0o600)
    ours = known_hosts_line(state)
    prefix = ours.split(" ", 1)[0] + " "
    known = root / NODE_KNOWN_HOSTS
    lines = known.read_text().splitlines() if known.exists() else []
    lines = [line for line in lines if not line.startswith(prefix)] + [ours]
    fs.atomic_write(known, "\n".join(lines) + "\n")
