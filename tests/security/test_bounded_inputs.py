"""Every file a user names is read through one bounded reader: a device, a FIFO, an
over-size file or a file outside the guide's project is refused with the option and the
file named, before anything is read (issue 18, "Inputs are bounded")."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbook.docutils_.loader import load_guide, parse_source
from runbook.errors import ParseError
from runbook.parsing import files
from runbook.parsing.files import read_user_file
from runbook.parsing.legacy import load_legacy

REPO = Path(__file__).parents[2]
LEGACY = REPO / "scenarios" / "legacy" / "galera.scenario"
#: Generous for a refusal made before reading, far too short to read /dev/zero to the end.
SECONDS = 60


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO nobody writes to: opening it for reading the usual way blocks forever."""
    path = tmp_path / "pipe"
    os.mkfifo(path)
    yield path


def _limited_memory() -> None:
    """The child may not grow past 2 GiB: reading /dev/zero would fail, not swap."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def runbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a child with a time and memory limit, so a regression fails fast."""
    code = "import sys; from runbook.cli.main import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=_limited_memory,
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["-e", "@/dev/zero"], "(variables file -e /dev/zero): it is a character device"),
        (["-e", "/dev/urandom"], "(variables file -e /dev/urandom): it is a character device"),
        (["-e", "@pipe"], "(variables file -e pipe): it is a FIFO"),
        (["-e", "@pipe.variables"], "(variables file -e pipe.variables): it is a FIFO"),
        (["-i", "/dev/zero"], "(inventory (-i)): it is a character device"),
        (["-i", "pipe"], "(inventory (-i)): it is a FIFO"),
    ],
)
def test_the_command_refuses_devices_and_fifos_at_once(
    tmp_path: Path, args: list[str], named: str
) -> None:
    os.mkfifo(tmp_path / "pipe")
    os.mkfifo(tmp_path / "pipe.variables")
    result = runbook("plan", str(LEGACY), *args, cwd=tmp_path)
    assert result.returncode == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_a_legacy_file_named_on_the_command_line_may_not_be_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.scenario")
    result = runbook("plan", "x.scenario", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot read x.scenario (legacy scenario): it is a FIFO" in result.stderr


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "FIFO", "."])
def test_the_reader_refuses_what_is_not_a_regular_file(fifo: Path, special: str) -> None:
    path = fifo if special == "FIFO" else Path(special)
    with pytest.raises(ParseError, match=r"\(include\): it is a .*, not a regular file"):
        read_user_file(path, what="include")


def test_a_symbolic_link_to_a_device_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "vars.yml").symlink_to("/dev/zero")
    with pytest.raises(ParseError, match="character device"):
        read_user_file(tmp_path / "vars.yml", what="-e")


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    path.write_bytes(b"a: b\n" * 10)
    with pytest.raises(ParseError, match=r"big\.yml \(-e @file\): it is larger than"):
        read_user_file(path, what="-e @file", limit=20)
    assert read_user_file(path, what="-e @file", limit=50) == "a: b\n" * 10


def test_the_limit_is_documented_in_mib() -> None:
    text = (REPO / "docs" / "reference" / "authoring.md").read_text(encoding="utf-8")
    assert f"At most {files.MAX_BYTES // (1024 * 1024)} MiB" in text


def test_text_that_is_not_utf8_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "page.rst"
    path.write_bytes("first\nsecond caf\xe9\n".encode("latin-1"))
    with pytest.raises(ParseError) as caught:
        read_user_file(path, what="guide source")
    assert str(caught.value).startswith(f"{path}:2: not UTF-8 text (byte 0xe9 at column 11)")
    assert "convert the file to UTF-8" in str(caught.value)


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "page.rst"
    path.write_bytes(b"\xef\xbb\xbfhello")
    assert read_user_file(path, what="guide source") == "hello"


# -- files a page names -----------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A guide project: ``conf.py`` at the top, pages in ``docs/``."""
    (tmp_path / "conf.py").write_text("", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    return tmp_path


_RST_SCENARIO = ".. scenario:: s\n\n.. step:: S\n\n   true\n\n"
_MD_SCENARIO = "```{scenario} s\n```\n\n```{step} S\ntrue\n```\n\n"


def _include(md: bool, target: str) -> str:
    if md:
        return _MD_SCENARIO + f"```{{include}} {target}\n```\n"
    return _RST_SCENARIO + f".. include:: {target}\n"


@pytest.mark.parametrize("md", [False, True], ids=["rst", "myst"])
@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "pipe", "/etc/hostname"])
def test_include_of_a_device_fifo_or_outside_file_is_a_problem(
    project: Path, md: bool, target: str
) -> None:
    os.mkfifo(project / "docs" / "pipe")
    page = project / "docs" / ("page.md" if md else "page.rst")
    scenarios, problems = parse_source(_include(md, target), str(page), "page")
    assert [scenario.name for scenario in scenarios] == ["s"]
    (problem,) = problems
    assert problem.location.path == str(page)
    assert problem.location.line == (8 if md else 7)
    assert problem.message.startswith('"include" directive: cannot read ')
    expected = "outside the guide's project" if target == "/etc/hostname" else "not a regular"
    assert expected in problem.message


@pytest.mark.parametrize("md", [False, True], ids=["rst", "myst"])
def test_include_inside_the_project_still_works(project: Path, md: bool) -> None:
    shared = project / "shared"
    shared.mkdir()
    text = (
        ".. step:: Included\n\n   echo included\n"
        if not md
        else ("```{step} Included\necho included\n```\n")
    )
    (shared / ("part.md" if md else "part.rst")).write_text(text, encoding="utf-8")
    page = project / "docs" / ("page.md" if md else "page.rst")
    target = "../shared/part.md" if md else "../shared/part.rst"
    page.write_text(_include(md, target), encoding="utf-8")
    guide = load_guide(project / "docs")
    assert guide.problems == []
    assert [step.title for step in guide.scenarios["s"].steps] == ["S", "Included"]


def test_a_symbolic_link_cannot_lead_out_of_the_project(project: Path) -> None:
    (project / "docs" / "inside.rst").symlink_to("/etc/hostname")
    page = project / "docs" / "page.rst"
    _scenarios, problems = parse_source(_include(False, "inside.rst"), str(page), "page")
    assert ["outside the guide's project" in problem.message for problem in problems] == [True]


def test_without_conf_py_the_sources_directory_is_the_boundary(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "x.scenario").write_text("= SCRIPTS =\n....\ntrue\n....\n")
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.rst"
    text = ".. legacy-scenario:: ../legacy/x.scenario\n"
    scenarios, problems = parse_source(text, str(page), "page")
    assert scenarios == []
    assert ["outside the guide's project" in problem.message for problem in problems] == [True]
    (tmp_path / "conf.py").write_text("")
    scenarios, problems = parse_source(text, str(page), "page")
    assert ([s.name for s in scenarios], problems) == (["x"], [])


@pytest.mark.parametrize(
    ("argument", "options", "expected"),
    [
        ("/dev/zero", "", "(legacy scenario): it is a character device"),
        ("pipe.scenario", "", "(legacy scenario): it is a FIFO"),
        ("ok.scenario", "   :test-script: /dev/zero\n", "(:test-script:): it is a character"),
        ("ok.scenario", "   :test-script: pipe.scenario\n", "(:test-script:): it is a FIFO"),
        ("ok.scenario", "   :test-script: /etc/hostname\n", "outside the guide's project"),
        ("/etc/hostname", "", "outside the guide's project"),
    ],
)
def test_legacy_scenario_and_its_test_script_are_bounded(
    project: Path, argument: str, options: str, expected: str
) -> None:
    docs = project / "docs"
    os.mkfifo(docs / "pipe.scenario")
    (docs / "ok.scenario").write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    text = f".. legacy-scenario:: {argument}\n{options}"
    scenarios, problems = parse_source(text, str(docs / "page.rst"), "page")
    assert scenarios == []
    assert [expected in problem.message for problem in problems] == [True]


def test_load_legacy_refuses_a_test_script_that_is_a_device(tmp_path: Path) -> None:
    path = tmp_path / "x.scenario"
    path.write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"/dev/zero \(:test-script:\): it is a character"):
        load_legacy(path, test_script=Path("/dev/zero"))


def test_a_guide_page_that_is_a_fifo_is_never_opened(project: Path) -> None:
    os.mkfifo(project / "docs" / "pipe.rst")
    (project / "docs" / "page.rst").write_text(_RST_SCENARIO, encoding="utf-8")
    guide = load_guide(project / "docs")
    assert list(guide.scenarios) == ["s"]


@pytest.mark.parametrize("md", [False, True], ids=["rst", "myst"])
def test_a_missing_include_is_left_to_docutils_as_before(project: Path, md: bool) -> None:
    """It may be a generated file: the fast path reports only what it refuses itself."""
    page = project / "docs" / ("page.md" if md else "page.rst")
    scenarios, problems = parse_source(_include(md, "generated.inc"), str(page), "page")
    assert ([scenario.name for scenario in scenarios], problems) == (["s"], [])


def test_legacy_scenario_follows_docutils_file_insertion_switch(project: Path) -> None:
    from docutils.core import publish_doctree

    from runbook.docutils_.directives import directives_registered

    docs = project / "docs"
    (docs / "ok.scenario").write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    stream = io.StringIO()
    with directives_registered():
        doctree = publish_doctree(
            ".. legacy-scenario:: ok.scenario\n",
            source_path=str(docs / "page.rst"),
            settings_overrides={"file_insertion_enabled": False, "warning_stream": stream},
        )
    assert "legacy-scenario reads a file, and file insertion is off here" in stream.getvalue()
    assert not list(doctree.findall(lambda node: node.tagname == "scenario_node"))


def test_the_sphinx_build_refuses_the_same_includes_and_keeps_good_ones(project: Path) -> None:
    """rST through Sphinx's own include, MyST through MyST's: both after the same checks."""
    (project / "conf.py").write_text(
        'extensions = ["runbook", "myst_parser"]\nmyst_enable_extensions = ["colon_fence"]\n'
    )
    docs = project / "docs"
    os.mkfifo(docs / "pipe.txt")
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "out.txt").symlink_to("/etc/hostname")
    (docs / "good.txt").write_text("Included words.\n", encoding="utf-8")
    (docs / "index.rst").write_text(
        "Guide\n=====\n\n.. toctree::\n\n   page\n\n.. include:: /good.txt\n\n"
        ".. include:: zero.txt\n\n.. include:: pipe.txt\n",
        encoding="utf-8",
    )
    (docs / "page.md").write_text(
        "# Page\n\n```{include} good.txt\n```\n\n```{include} out.txt\n```\n",
        encoding="utf-8",
    )
    out = project / "html"
    code = (
        "import sys; from sphinx.cmd.build import build_main; "
        "sys.exit(build_main(['-q', '-c', sys.argv[1], sys.argv[2], sys.argv[3]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(project), str(docs), str(out)],
        capture_output=True,
        text=True,
        timeout=SECONDS * 3,
        preexec_fn=_limited_memory,
    )
    assert result.returncode == 0, result.stderr
    warnings = result.stderr
    assert "(include): it is a character device" in warnings
    assert "pipe.txt (include): it is a FIFO" in warnings
    assert "outside the guide's project" in warnings
    assert "[runbook.syntax]" in warnings
    assert "Included words." in (out / "index.html").read_text(encoding="utf-8")
    assert "Included words." in (out / "page.html").read_text(encoding="utf-8")
