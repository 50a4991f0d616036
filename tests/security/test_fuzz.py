"""Thousands of broken guide sources, legacy scenarios, inventories and variables files fed
to ``runbook plan``: a plan or one clear error naming the file, never a traceback or a hang.

Each case goes through the real command (``main``), so whatever it does with a bad file,
from reading the bytes to printing the plan as text or JSON, is what is tested. Cases are
mutations of valid seed files (lines deleted, duplicated, spliced, re-indented, random
bytes such as NUL and invalid UTF-8 dropped in) and plain random bytes.
"""

from __future__ import annotations

import contextlib
import io
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.cli.main import main

SEEDS = Path(__file__).parents[1] / "golden" / "plan" / "same"
EXAMPLES = Path(__file__).parents[2] / "scenarios" / "examples"
#: A hang is any case slower than this; a normal case takes a few hundredths of a second.
LIMIT = 10


def fuzz(cases: int) -> settings:
    """``cases`` examples, the same on every run (CI failures reproduce), no deadline."""
    return settings(
        max_examples=cases,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=True,
    )


SCENARIO_LINES = [
    ".. scenario:: other",
    ".. step:: Another step",
    ".. variable:: PHD_VAR_extra",
    ".. verify::",
    "   :target: role:nosuch",
    "   :target: node:0",
    "   :target: first@",
    "   :retries: -1",
    "   :timeout: 1e999",
    "   :delay: nan",
    "   :serial: 0",
    "   :copy: relative/path",
    "   :copy-from: all",
    "   :register: 1bad",
    "   :requires: cluster",
    "   :default: ${PHD_VAR_cluster_name}${RB_HOST}",
    "   :secret:",
    "   :sensitive:",
    "   :expect-output: (",
    "   :no-verify:",
    "   :unless: $(",
    ":::{step} Colon step",
    "```{scenario} fenced",
    "```",
    ":::",
    "    \t  ",
    "\ufeff",
    "\u2028",
    "é" * 300,
]
LEGACY_LINES = [
    "= VARIABLES =",
    "= REQUIREMENTS =",
    "= SCRIPTS =",
    "= LOCAL_VARIABLES =",
    "....",
    "target=all",
    "target=local",
    "target=$PHD_ENV_nodes9",
    "target=node1 node1",
    "require_exitcode=x",
    "PHD_VAR_",
    "nodes: -1",
    "nodes: 99999999999999999999",
    "packages: ;rm -rf /",
]
YAML_LINES = [
    "all:",
    "  hosts:",
    "    node1: {ansible_host: 192.0.2.11}",
    "    node1: {ansible_host: 192.0.2.12}",
    "  children:",
    "    web: {hosts: {nohost: {}}}",
    "    loop: {children: {loop: {}}}",
    "  vars: {ansible_port: 70000}",
    "  vars: {ansible_port: '22; rm -rf /'}",
    "x: &a [*a]",
    "y: !!python/object:os.system 'true'",
    "z: !!binary aGk=",
    "PHD_VAR_cluster_name: [1, 2]",
    "PHD_VAR_admin_password: {a: b}",
    "? [complex, key]",
    "%YAML 9.9",
    "---",
    "...",
    "- list",
    "ctl[1:999999999]:",
    "ctl[9:1]:",
]
HOST_LINES = [
    "node1 192.0.2.11",
    "node1 192.0.2.12",
    "node3 [::1]:22",
    "node4 root@192.0.2.14:99999",
    "* user=x",
    "* roles=a,,b",
    "n5 a@b@c",
    "n6 192.0.2.16 key",
    "# comment",
]


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail the case (not the whole run) when it takes longer than ``seconds``."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer within {seconds}s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, vocabulary: list[str]) -> bytes:
    """``seed`` with a few line- and byte-level edits; sometimes plain random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400))
    lines = seed.split(b"\n")
    extra = st.one_of(
        st.sampled_from(vocabulary).map(str.encode),
        st.text(max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass")),
    )
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(
            st.sampled_from(
                ["delete", "duplicate", "insert", "replace", "splice", "bytes", "indent"]
            )
        )
        if action == "insert" or not lines:
            lines.insert(at, draw(extra))
        elif action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(draw(st.integers(0, len(lines))), lines[at])
        elif action == "replace":
            lines[at] = draw(extra)
        elif action == "splice":
            cut = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:cut] + draw(extra)
        elif action == "bytes":
            cut = draw(st.integers(0, len(lines[at])))
            noise = draw(st.sampled_from([b"\0", b"\xff\xfe", b"\xc3", b"\r", b"\t", b"\x1b[2J"]))
            lines[at] = lines[at][:cut] + noise + lines[at][cut:]
        else:
            lines[at] = b" " * draw(st.sampled_from([0, 1, 3, 4, 8])) + lines[at].lstrip()
    return b"\n".join(lines)


def plan(*args: str, files: tuple[Path, ...]) -> None:
    """``runbook plan ARGS`` as text and as JSON: a plan, or one error naming a file."""
    for output in ("text", "json"):
        stdout, stderr = io.StringIO(), io.StringIO()
        with (
            time_limit(LIMIT),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            status = main(["plan", *args, "--format", output])
        errors = stderr.getvalue()
        assert "Traceback" not in errors
        if status == 0:
            assert stdout.getvalue()
            continue
        # Planning failed before any output was made: the other format fails alike.
        assert status == 1, errors
        message = [line for line in errors.splitlines() if line.startswith("runbook: error: ")]
        assert len(message) == 1, errors
        assert any(str(path) in errors for path in files), errors
        return


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def seed(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.proves(
    "bad input",
    "Fuzzed reStructuredText guide sources (400 cases: mutated scenarios, random bytes)",
    "A plan, or one error naming the file (and its line when a line is to blame); "
    "never a traceback or a hang.",
)
@fuzz(400)
@given(mutated(seed(SEEDS / "cluster.rst"), SCENARIO_LINES))
def test_fuzzed_rst_sources_give_a_plan_or_a_located_error(work: Path, data: bytes) -> None:
    source = work / "fuzzed.rst"
    source.write_bytes(data)
    plan(str(source), files=(source,))


@pytest.mark.proves(
    "bad input",
    "Fuzzed MyST Markdown guide sources (400 cases)",
    "A plan, or one error naming the file; never a traceback or a hang.",
)
@fuzz(400)
@given(mutated(seed(SEEDS / "cluster.md"), SCENARIO_LINES))
def test_fuzzed_myst_sources_give_a_plan_or_a_located_error(work: Path, data: bytes) -> None:
    source = work / "fuzzed.md"
    source.write_bytes(data)
    plan(str(source), files=(source,))


@pytest.mark.proves(
    "bad input",
    "Fuzzed legacy phd `.scenario` files (400 cases)",
    "A plan, or one error naming the file and line; never a traceback or a hang.",
)
@fuzz(400)
@given(mutated(seed(SEEDS / "cluster.scenario"), LEGACY_LINES))
def test_fuzzed_legacy_scenarios_give_a_plan_or_a_located_error(work: Path, data: bytes) -> None:
    source = work / "fuzzed.scenario"
    source.write_bytes(data)
    plan(str(source), files=(source,))


@pytest.mark.proves(
    "bad input",
    "Fuzzed Ansible YAML inventories (300 cases: duplicate keys and hosts, cycles, bad "
    "ports, YAML tags and aliases, ranges)",
    "A plan, or one error naming the inventory file and line; never a traceback or a hang.",
)
@fuzz(300)
@given(mutated(seed(EXAMPLES / "inventory.yml"), YAML_LINES))
def test_fuzzed_yaml_inventories_give_a_plan_or_a_located_error(work: Path, data: bytes) -> None:
    inventory = work / "fuzzed-inventory.yml"
    inventory.write_bytes(data)
    scenario = SEEDS / "cluster.rst"
    variables = SEEDS / "vars.yml"
    plan(str(scenario), "-i", str(inventory), "-e", str(variables), files=(inventory, scenario))


@pytest.mark.proves(
    "bad input",
    "Fuzzed host-list inventories (300 cases)",
    "A plan, or one error naming the file and line; never a traceback or a hang.",
)
@fuzz(300)
@given(mutated(seed(EXAMPLES / "hosts.txt"), HOST_LINES))
def test_fuzzed_host_lists_give_a_plan_or_a_located_error(work: Path, data: bytes) -> None:
    inventory = work / "fuzzed-hosts.txt"
    inventory.write_bytes(data)
    scenario = SEEDS / "cluster.rst"
    variables = SEEDS / "vars.yml"
    plan(str(scenario), "-i", str(inventory), "-e", str(variables), files=(inventory, scenario))


@pytest.mark.proves(
    "bad input",
    "Fuzzed variables files (300 cases: lists and maps as values, tags, NUL, invalid UTF-8)",
    "A plan, or one error naming the file and line; never a traceback or a hang.",
)
@fuzz(300)
@given(mutated(seed(SEEDS / "vars.yml") + b"\n" + seed(EXAMPLES / "vars.yml"), YAML_LINES))
def test_fuzzed_variables_files_give_a_plan_or_a_located_error(work: Path, data: bytes) -> None:
    variables = work / "fuzzed-vars.yml"
    variables.write_bytes(data)
    scenario = SEEDS / "cluster.rst"
    inventory = SEEDS / "inventory.yml"
    plan(str(scenario), "-i", str(inventory), "-e", str(variables), files=(variables, scenario))
