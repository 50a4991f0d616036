"""The fence device's command set: what fence_virsh types, answered as virsh does, and no more."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from runbook.testbed import fence


@dataclass
class Switch:
    """Three outlets in memory, recording what was switched (the real one cuts power)."""

    powered: dict[str, bool] = field(
        default_factory=lambda: {"node1": True, "node2": True, "node3": False}
    )
    switched: list[tuple[str, str]] = field(default_factory=list)

    def outlets(self) -> list[str]:
        return list(self.powered)

    def is_on(self, outlet: str) -> bool:
        return self.powered[outlet]

    def off(self, outlet: str) -> None:
        self.powered[outlet] = False
        self.switched.append(("off", outlet))

    def on(self, outlet: str) -> None:
        self.powered[outlet] = True
        self.switched.append(("on", outlet))


# fence_virsh's own parser of `virsh list --all` (agents/virsh/fence_virsh.py).
def parsed_like_fence_virsh(text: str) -> dict[str, str]:
    result, seen_header = {}, False
    for line in text.splitlines():
        domain = re.search(r"^\s*(\S+)\s+(\S+)\s+(\S+).*$", line)
        if domain is None:
            continue
        header = [word.lower() for word in domain.group(1, 2)] == ["id", "name"]
        if not seen_header and header:
            seen_header = True
        elif seen_header:
            running = domain.group(3).lower() in ["running", "blocked", "idle", "no state"]
            result[domain.group(2)] = "on" if running else "off"
    return result


def test_list_all_reads_as_each_outlets_true_state_to_fence_virsh():
    answer = fence.answer("virsh list --all", Switch())
    assert parsed_like_fence_virsh(answer.text) == {"node1": "on", "node2": "on", "node3": "off"}
    assert answer.status == 0


def test_list_without_all_shows_running_nodes_only():
    assert parsed_like_fence_virsh(fence.answer("virsh list", Switch()).text) == {
        "node1": "on",
        "node2": "on",
    }


def test_domstate_tells_on_and_off_as_virsh_words():
    switch = Switch()
    assert fence.answer("virsh domstate node1", switch).text.strip() == "running"
    assert fence.answer("virsh domstate node3", switch).text.strip() == "shut off"


def test_destroy_switches_off_exactly_the_named_node_and_start_switches_it_on():
    switch = Switch()
    off = fence.answer("virsh destroy node2", switch)
    assert (off.action, off.outlet, off.status) == ("off", "node2", 0)
    on = fence.answer("virsh start node2", switch)
    assert (on.action, on.outlet, on.status) == ("on", "node2", 0)
    assert switch.switched == [("off", "node2"), ("on", "node2")]


def test_destroying_an_off_node_or_starting_an_on_node_fails_as_virsh_does():
    switch = Switch()
    assert fence.answer("virsh destroy node3", switch).status == 1
    assert fence.answer("virsh start node1", switch).status == 1
    assert switch.switched == []


def test_a_node_outside_the_testbed_is_not_found_and_nothing_is_switched():
    switch = Switch()
    for line in ("virsh destroy node9", "virsh start rb1234n1", "virsh domstate ../node1"):
        answer = fence.answer(line, switch)
        assert answer.status == 1
        assert answer.text.startswith("error: failed to get domain")
    assert switch.switched == []


def test_a_shell_command_is_refused_there_is_no_shell():
    switch = Switch()
    for line in ("bash", "virsh destroy node1; reboot", "sudo virsh destroy node1", "ls /"):
        assert fence.answer(line, switch).status != 0
    assert switch.switched == []


def test_quit_ends_the_session_and_an_empty_line_does_nothing():
    assert fence.answer("quit", Switch()).done
    assert fence.answer("   ", Switch()) == fence.Answer("")


@given(st.text(max_size=80))
def test_no_line_switches_anything_but_destroy_or_start_of_a_node_of_the_testbed(line):
    switch = Switch()
    answer = fence.answer(line, switch)
    words = line.split()
    if switch.switched:
        assert words[:2] in (["virsh", "destroy"], ["virsh", "start"])
        assert len(words) == 3 and words[2] in switch.outlets()
    # What the caller typed is echoed back only when it is a plain name.
    for quoted in re.findall(r"'([^']*)'", answer.text):
        assert fence.DOMAIN_RE.match(quoted)
