"""Property tests of the input side: any bytes, any page naming hostile files, any legacy
file name or VARIABLES list give a value or a located error, never a traceback or a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.docutils_.loader import parse_source
from runbook.errors import ParseError
from runbook.model.names import reserved_reason
from runbook.model.scenario import NAME_RE
from runbook.parsing.files import decode_text, read_user_file
from runbook.parsing.legacy import import_legacy

QUICK = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
#: All the cases of a test in more time than this is a hang (a FIFO opened, a device read).
SECONDS = 300


@QUICK
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_fail_at_a_line(raw: bytes) -> None:
    try:
        text = decode_text(raw, "f.txt")
    except ParseError as error:
        assert error.location is not None and error.location.path == "f.txt"
        assert error.location.line is not None
        assert 1 <= error.location.line <= raw.count(b"\n") + 1
        return
    assert isinstance(text, str)


@QUICK
@given(st.binary(max_size=200))
def test_any_file_reads_or_fails_with_the_file_named(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "any.yml"
    path.write_bytes(raw)
    try:
        read_user_file(path, what="-e @file", limit=150)
    except ParseError as error:
        assert str(path) in str(error)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with hostile files to name: a FIFO, links out, a large file."""
    top = tmp_path_factory.mktemp("project")
    (top / "conf.py").write_text("", encoding="utf-8")
    docs = top / "docs"
    docs.mkdir()
    os.mkfifo(docs / "pipe.rst")
    (docs / "out.rst").symlink_to("/etc/hostname")
    (docs / "zero.scenario").symlink_to("/dev/zero")
    (docs / "ok.rst").write_text(".. step:: Included\n\n   true\n", encoding="utf-8")
    (docs / "ok.scenario").write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    return top


_TARGETS = st.sampled_from(
    [
        "/dev/zero",
        "/dev/urandom",
        "/dev/stdin",
        "pipe.rst",
        "out.rst",
        "zero.scenario",
        "ok.rst",
        "ok.scenario",
        "../../../../etc/passwd",
        "missing.rst",
        "<isonum.txt>",
        ".",
    ]
)


@st.composite
def _page(draw: st.DrawFn) -> tuple[str, str]:
    md = draw(st.booleans())
    lines = ["```{scenario} s\n```\n" if md else ".. scenario:: s\n"]
    for _ in range(draw(st.integers(1, 4))):
        target = draw(_TARGETS)
        kind = draw(st.sampled_from(["include", "legacy-scenario", "test-script"]))
        if kind == "test-script":
            option = f":test-script: {target}"
            lines.append(
                f"```{{legacy-scenario}} ok.scenario\n{option}\n```\n"
                if md
                else f".. legacy-scenario:: ok.scenario\n   {option}\n"
            )
        else:
            lines.append(f"```{{{kind}}} {target}\n```\n" if md else f".. {kind}:: {target}\n")
        lines.append(draw(st.sampled_from(["", "text\n", "* item\n", "```\n", ":::\n"])))
    return ("page.md" if md else "page.rst"), "\n".join(lines)


@pytest.mark.timeout(SECONDS, method="signal")
@QUICK
@given(_page())
def test_pages_naming_hostile_files_never_hang_or_crash(project: Path, page: tuple[str, str]):
    name, text = page
    path = project / "docs" / name
    scenarios, problems = parse_source(text, str(path), name.split(".")[0])
    for problem in problems:
        assert problem.location.path
    for scenario in scenarios:
        assert NAME_RE.match(scenario.name)


@QUICK
@given(st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s and "\0" not in s))
def test_any_legacy_file_name_gives_a_usable_name_or_says_why(stem: str) -> None:
    try:
        scenario = import_legacy("= SCRIPTS =\n....\ntrue\n....\n", f"{stem}.scenario").scenario
    except ParseError as error:
        assert "gives no scenario name" in error.message
        return
    assert NAME_RE.match(scenario.name)


_NAMES = st.one_of(
    st.sampled_from(
        ["PHD_VAR_a", "PHD_VAR_b", "PHD_ENV_nodes", "PHD_ENV_x", "PATH", "IFS", "LD_X", "RB_X"]
    ),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
)


@QUICK
@given(st.lists(_NAMES, max_size=8), st.lists(_NAMES, max_size=4))
def test_legacy_names_give_a_scenario_without_reserved_names_or_a_located_error(
    variables: list[str], local: list[str]
) -> None:
    text = (
        "= VARIABLES =\n"
        + "".join(f"{name}\n" for name in variables)
        + "= LOCAL_VARIABLES =\n"
        + "".join(f"{name}=x\n" for name in local)
        + "= SCRIPTS =\n....\ntrue\n....\n"
    )
    try:
        imported = import_legacy(text, "f.scenario")
    except ParseError as error:
        assert error.location is not None and error.location.line is not None
        return
    names = [v.name for v in imported.scenario.variables]
    assert len(names) == len(set(names))
    assert all(reserved_reason(name) is None for name in names)
    assert all(reserved_reason(name) is None for name, _ in imported.scenario.local_variables)
