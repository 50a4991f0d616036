"""The page cache: a warm run plans exactly what a cold one does, without docutils or MyST."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import runbook
from runbook.docutils_ import loader, pagecache
from runbook.docutils_.directives import DIRECTIVES
from runbook.docutils_.loader import load_guide, load_scenario
from runbook.docutils_.pagecache import CACHE_DIR_ENV, CACHE_ENV, PageCache

REPO = Path(__file__).resolve().parents[2]
#: What a warm ``runbook plan`` must not import (start-up time; the architecture's rule).
HEAVY = ("docutils", "myst_parser", "markdown_it", "sphinx", "jinja2", "paramiko", "fabric")

#: No ``:requires:``: planning it reads its one page (a requirement's page is read too).
GALERA_MD = """\
# Galera

:::{scenario} galera
:::

:::{variable} galera_cluster
:default: ha
The cluster's name.
:::

```{step} Install
:unless: dpkg-query -W galera-4
:verify: systemctl is-active mariadb

apt-get install -y galera-4
```
"""
BASE_RST = """\
Base
====

.. scenario:: base

.. step:: Start
   :no-verify: only starts

   pcs cluster start --all
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(directory))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    return directory


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small guide, one MyST and one rST page, in ``docs/`` under the returned directory."""
    root = tmp_path / "project"
    (root / "docs" / "scenarios").mkdir(parents=True)
    (root / "docs" / "scenarios" / "galera.md").write_text(GALERA_MD, encoding="utf-8")
    (root / "docs" / "base.rst").write_text(BASE_RST, encoding="utf-8")
    return root


@pytest.fixture
def command(cache_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``runbook ARGS`` in a fresh interpreter, as a user would, from ``cwd``."""

    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
        return subprocess.run(
            [sys.executable, "-m", "runbook.cli.main", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
        )

    return run


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the loader really parses (cache misses), in order."""
    seen: list[str] = []
    real = loader._parse

    def counting(text: str, path: str, docname: str | None) -> Any:
        seen.append(path)
        return real(text, path, docname)

    monkeypatch.setattr(loader, "_parse", counting)
    return seen


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "pages").glob("*"))


@pytest.mark.parametrize("form", ["text", "json"])
def test_a_warm_run_prints_byte_for_byte_what_a_cold_one_does(
    command: Callable[..., Any], project: Path, cache_dir: Path, form: str
) -> None:
    cold = command("plan", "galera", "--format", form, cwd=project)
    assert cold.returncode == 0, cold.stderr
    assert entries(cache_dir)
    warm = command("plan", "galera", "--format", form, cwd=project)
    uncached = command("plan", "galera", "--format", form, "--no-cache", cwd=project)
    assert (warm.returncode, warm.stdout, warm.stderr) == (0, cold.stdout, cold.stderr)
    assert (uncached.stdout, uncached.stderr) == (cold.stdout, cold.stderr)


def heavy_modules_of_a_warm_plan(command: Callable[..., Any], cwd: Path, name: str) -> list[str]:
    assert command("plan", name, cwd=cwd).returncode == 0  # fills the cache
    script = textwrap.dedent(
        f"""
        import sys
        from runbook.cli.main import main
        assert main(["plan", {name!r}, "--format", "json"]) == 0
        print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + script],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_warm_plan_imports_no_parser_sphinx_jinja_or_fabric(
    command: Callable[..., Any], project: Path
) -> None:
    assert heavy_modules_of_a_warm_plan(command, project, "galera") == []


def test_a_warm_plan_of_the_guides_galera_imports_none_either(
    command: Callable[..., Any],
) -> None:
    """The benchmark's case (figure 5): the guide's own galera, whose name an example on
    the authoring page also declares, so the whole guide is read, from the cache."""
    assert heavy_modules_of_a_warm_plan(command, REPO, "galera") == []


def test_a_cold_run_still_parses_and_says_the_same(
    command: Callable[..., Any], project: Path
) -> None:
    page = project / "docs" / "scenarios" / "galera.md"
    page.write_text(GALERA_MD + "\n```{step} Broken\n:retries: many\n\ntrue\n```\n", "utf-8")
    cold = command("plan", "galera", cwd=project)
    warm = command("plan", "galera", cwd=project)
    assert cold.returncode == 1 and "'many' is not a whole number" in cold.stderr
    assert f"docs/scenarios/galera.md:{GALERA_MD.count(chr(10)) + 3}:" in cold.stderr
    assert (warm.returncode, warm.stdout, warm.stderr) == (1, cold.stdout, cold.stderr)


def test_problems_are_replayed_from_the_cache_with_their_places(
    cache_dir: Path, project: Path, parses: list[str]
) -> None:
    docs = project / "docs"
    (docs / "lost.md").write_text("Text.\n\n```{step} Lost\ntrue\n```\n", encoding="utf-8")
    cold = load_guide(docs, cache=True)
    assert len(parses) == 3
    warm = load_guide(docs, cache=True)
    assert len(parses) == 3, "nothing parsed again"
    assert warm == cold
    assert [str(problem) for problem in warm.problems] == [
        f"{docs}/lost.md:3: error: step outside any scenario; put a scenario directive "
        "before it in this document [runbook.orphan-step]"
    ]


def test_list_reports_the_same_problems_cold_and_warm(
    command: Callable[..., Any], project: Path
) -> None:
    (project / "docs" / "bad.rst").write_text(".. scenario:: bad\n   :nodes: many\n", "utf-8")
    cold = command("list", cwd=project)
    warm = command("list", cwd=project)
    assert cold.returncode == 1 and "bad.rst:2: error: scenario option :nodes:" in cold.stderr
    assert (warm.returncode, warm.stdout, warm.stderr) == (1, cold.stdout, cold.stderr)


def test_a_warm_plan_reads_its_requirements_from_the_cache_too(
    cache_dir: Path, project: Path, parses: list[str]
) -> None:
    docs = project / "docs"
    page = docs / "scenarios" / "galera.md"
    page.write_text(GALERA_MD.replace(":::\n", ":requires: base\n:::\n", 1), encoding="utf-8")
    load_scenario("galera", docs, cache=True)
    assert sorted(parses) == sorted([str(page), str(docs / "base.rst")])
    load_scenario("galera", docs, cache=True)
    assert len(parses) == 2, "nothing parsed again"


def test_an_edited_page_is_parsed_again_even_with_its_size_and_mtime_kept(
    cache_dir: Path, project: Path, parses: list[str]
) -> None:
    docs = project / "docs"
    page = docs / "scenarios" / "galera.md"
    assert load_scenario("galera", docs, cache=True).steps[0].script.strip() == (
        "apt-get install -y galera-4"
    )
    before = page.stat()
    page.write_text(GALERA_MD.replace("galera-4\n```", "galera-5\n```"), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size
    assert load_scenario("galera", docs, cache=True).steps[0].script.strip() == (
        "apt-get install -y galera-5"
    )
    assert parses == [str(page), str(page)]
    assert len(entries(cache_dir)) == 1, "the page's entry was replaced, not added to"


def test_another_version_of_the_program_parses_again(
    cache_dir: Path, project: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = project / "docs"
    first = load_scenario("galera", docs, cache=True)
    load_scenario("galera", docs, cache=True)
    assert len(parses) == 1
    monkeypatch.setattr(runbook, "__version__", runbook.__version__ + ".post1")
    pagecache._code_fingerprint.cache_clear()
    try:
        assert load_scenario("galera", docs, cache=True) == first
    finally:
        pagecache._code_fingerprint.cache_clear()
    assert len(parses) == 2


def test_an_edit_of_the_parsing_code_parses_again(
    cache_dir: Path, project: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package is installed editable: its version does not move when its code does."""
    docs = project / "docs"
    load_scenario("galera", docs, cache=True)
    original = pagecache._OWN_PARTS
    monkeypatch.setattr(pagecache, "_OWN_PARTS", (*original, "plan"))
    pagecache._code_fingerprint.cache_clear()
    try:
        load_scenario("galera", docs, cache=True)
    finally:
        pagecache._code_fingerprint.cache_clear()
    assert len(parses) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),
        lambda data: b"not a cache entry at all",
        lambda data: data.split(b"\n", 1)[0] + b"\n" + b"\x80\x05garbage",
        lambda data: data.split(b"\n", 1)[0] + b"\n" + __import__("pickle").dumps(("a", "b")),
    ],
    ids=["empty", "truncated", "flipped", "foreign", "bad-pickle", "wrong-shape"],
)
def test_a_damaged_entry_is_ignored_and_written_again(
    cache_dir: Path, project: Path, parses: list[str], damage: Callable[[bytes], bytes]
) -> None:
    docs = project / "docs"
    expected = load_scenario("galera", docs, cache=True)
    [entry] = entries(cache_dir)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert load_scenario("galera", docs, cache=True) == expected
    assert len(parses) == 2
    assert entry.read_bytes() == good
    assert load_scenario("galera", docs, cache=True) == expected
    assert len(parses) == 2


def test_an_unreadable_entry_is_a_miss(cache_dir: Path, project: Path, parses: list[str]) -> None:
    docs = project / "docs"
    expected = load_scenario("galera", docs, cache=True)
    [entry] = entries(cache_dir)
    entry.unlink()
    entry.mkdir()  # reading it fails even for root, which permissions do not stop
    assert load_scenario("galera", docs, cache=True) == expected
    assert len(parses) == 2


def test_the_cache_is_private_to_its_user(cache_dir: Path, project: Path) -> None:
    load_scenario("galera", project / "docs", cache=True)
    for directory in (cache_dir, cache_dir / "pages"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    [entry] = entries(cache_dir)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_a_directory_others_may_write_to_is_not_used(
    cache_dir: Path, project: Path, parses: list[str]
) -> None:
    """Entries are pickles: one planted by another user would run code as this one."""
    (cache_dir / "pages").mkdir(parents=True)
    os.chmod(cache_dir / "pages", 0o777)
    load_scenario("galera", project / "docs", cache=True)
    load_scenario("galera", project / "docs", cache=True)
    assert entries(cache_dir) == [] and len(parses) == 2


def test_a_cache_directory_that_cannot_be_made_means_no_cache(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    assert load_scenario("galera", project / "docs", cache=True).name == "galera"
    assert load_scenario("galera", project / "docs", cache=True).name == "galera"
    assert len(parses) == 2


def test_a_failed_write_leaves_nothing_behind(
    cache_dir: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: Any, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pagecache.os, "replace", refuse)
    assert load_scenario("galera", project / "docs", cache=True).name == "galera"
    assert entries(cache_dir) == []
    assert list((cache_dir / "pages").iterdir()) == []


def test_concurrent_writers_and_readers_never_see_a_torn_entry(
    cache_dir: Path, project: Path
) -> None:
    docs = project / "docs"
    expected = loader.parse_source(
        (docs / "scenarios" / "galera.md").read_text(), str(docs / "scenarios" / "galera.md"), "x"
    )
    pages = PageCache.open()
    assert pages is not None
    path, text = str(docs / "scenarios" / "galera.md"), GALERA_MD

    def write_and_read(index: int) -> bool:
        if index % 2:
            pages.put(path, "x", text, expected)
            return True
        found = pages.get(path, "x", text)
        return found is None or found == expected

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(write_and_read, range(400)))
    assert pages.get(path, "x", text) == expected
    assert [entry.name for entry in (cache_dir / "pages").iterdir()] == [entries(cache_dir)[0].name]


def test_concurrent_commands_on_an_empty_cache_all_plan_the_same(
    cache_dir: Path, project: Path
) -> None:
    argv = [sys.executable, "-m", "runbook.cli.main", "plan", "galera", "--format", "json"]
    processes = [
        subprocess.Popen(argv, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    outputs = {process.communicate()[0] for process in processes}
    assert [process.returncode for process in processes] == [0] * 6
    assert len(outputs) == 1
    assert len(entries(cache_dir)) == 1  # galera's page: the only one parsed
    assert not [p for p in (cache_dir / "pages").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("args", "env"),
    [(("--no-cache",), {}), ((), {CACHE_ENV: "0"})],
    ids=["--no-cache", "RUNBOOK_CACHE=0"],
)
def test_the_cache_can_be_bypassed(
    command: Callable[..., Any],
    project: Path,
    cache_dir: Path,
    args: tuple[str, ...],
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A planted entry under the right key shows what is read: bypassed, it is not."""
    monkeypatch.chdir(project)  # the entry is the command's: the same path, seen from here
    text = GALERA_MD.replace("galera-4\n```", "planted\n```")
    scenarios, problems = loader.parse_source(text, "docs/scenarios/galera.md", "scenarios/galera")
    pages = PageCache.open()
    assert pages is not None
    pages.put("docs/scenarios/galera.md", "scenarios/galera", GALERA_MD, (scenarios, problems))
    assert "planted" in command("plan", "galera", cwd=project).stdout
    bypassed = command("plan", "galera", *args, cwd=project, env=env)
    assert bypassed.returncode == 0
    assert "planted" not in bypassed.stdout and "galera-4" in bypassed.stdout
    assert len(entries(cache_dir)) == 1, "a bypassed run writes nothing either"


def test_every_command_that_reads_the_guide_can_bypass_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from runbook.cli.main import main

    for name in ("plan", "run", "list", "check", "export", "train"):
        with pytest.raises(SystemExit):
            main([name, "--help"])
        assert "--no-cache" in capsys.readouterr().out, name


def test_a_page_that_includes_another_file_is_not_cached(
    cache_dir: Path, tmp_path: Path, parses: list[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "_steps.txt").write_text(".. step:: One\n   :no-verify: x\n\n   echo one\n", "utf-8")
    (docs / "page.rst").write_text(".. scenario:: inc\n\n.. include:: _steps.txt\n", "utf-8")
    assert load_scenario("inc", docs, cache=True).steps[0].script.strip() == "echo one"
    (docs / "_steps.txt").write_text(".. step:: One\n   :no-verify: x\n\n   echo two\n", "utf-8")
    assert load_scenario("inc", docs, cache=True).steps[0].script.strip() == "echo two"
    assert entries(cache_dir) == []


def test_a_page_including_a_file_not_there_yet_is_not_cached(
    cache_dir: Path, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.md").write_text(":::{scenario} inc\n:::\n\n```{include} _steps.md\n```\n")
    assert load_guide(docs, cache=True).scenarios["inc"].steps == ()
    (docs / "_steps.md").write_text("```{step} One\n:no-verify: x\n\necho one\n```\n")
    assert [step.title for step in load_guide(docs, cache=True).scenarios["inc"].steps] == ["One"]
    assert entries(cache_dir) == []


def test_a_page_with_a_legacy_scenario_is_not_cached(cache_dir: Path, tmp_path: Path) -> None:
    """Its test script is looked for next to the legacy file; one added later must count."""
    docs = tmp_path / "docs"
    docs.mkdir()
    legacy = REPO / "tests" / "golden" / "parsing" / "_same" / "legacy" / "hello.scenario"
    (docs / "hello.scenario").write_bytes(legacy.read_bytes())
    (docs / "page.rst").write_text(".. legacy-scenario:: hello.scenario\n", encoding="utf-8")
    assert "hello" in load_guide(docs, cache=True).scenarios
    assert entries(cache_dir) == []


def test_the_loader_knows_every_directive_without_importing_docutils() -> None:
    assert tuple(DIRECTIVES) == loader.DIRECTIVE_NAMES
