"""Every command the guide and the README show resolves: a reader who copies one gets a
command that exists, with options and tasks that exist.

``runbook`` lines are parsed by the command's own parser, ``make`` targets are looked up in
the Makefiles, ``fab`` tasks and their options in the exported module, and the files that
``bash`` and ``ansible-playbook`` are given in ``runbooks/``.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from runbook.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "docs").rglob("*.md")) + sorted((ROOT / "docs").rglob("*.rst"))
SOURCES.append(ROOT / "README.md")
PROGRAMS = ("runbook", ".venv/bin/runbook", "fab", "make", "bash", "ansible-playbook")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_MAKE = re.compile(r"``?(make [a-z][a-z0-9_-]*)[^`]*``?")


@dataclass(frozen=True)
class Example:
    """One command line shown to a reader, and where."""

    where: str
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.where}: {shlex.join(self.words)}"


def _words(line: str) -> list[str] | None:
    """The command's words without a prompt, leading VAR=value words or a comment."""
    line = line.strip().removeprefix("$ ")
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return None
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        words.pop(0)
    if words and words[0] in PROGRAMS:
        return words
    return None


def examples() -> list[Example]:
    """Command lines in fenced code blocks, and ``make TARGET`` in inline code."""
    found = []
    for path in SOURCES:
        fenced = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path.relative_to(ROOT)}:{number}"
            if _FENCE.match(line):
                fenced = not fenced
                continue
            if fenced:
                words = _words(line)
                if words:
                    found.append(Example(where, tuple(words)))
            else:
                for match in _INLINE_MAKE.finditer(line):
                    found.append(Example(where, tuple(match.group(1).split())))
    return found


EXAMPLES = examples()


def make_targets() -> set[str]:
    texts = [(ROOT / "Makefile").read_text()] + [p.read_text() for p in (ROOT / "mk").glob("*.mk")]
    return {m.group(1) for text in texts for m in re.finditer(r"^([a-z][a-z0-9_-]*):", text, re.M)}


def fabric_tasks(module_path: Path) -> dict[str, set[str]]:
    """Task name (as ``fab`` spells it) -> the task's option names, from the real module."""
    spec = importlib.util.spec_from_file_location(f"exported_{module_path.stem}", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tasks = {}
    for name, value in vars(module).items():
        body = getattr(value, "body", None)
        if callable(body) and hasattr(value, "called"):
            parameters = list(inspect.signature(body).parameters)[1:]
            tasks[name.replace("_", "-")] = {p.replace("_", "-") for p in parameters}
    return tasks


def _check_fab(example: Example) -> None:
    words = list(example.words[1:])
    collection_root, collection = Path("."), None
    tasks: list[tuple[str, list[str]]] = []
    while words:
        word = words.pop(0)
        if word in ("-r", "--search-root"):
            collection_root = Path(words.pop(0))
        elif word in ("-c", "--collection"):
            collection = words.pop(0)
        elif word in ("-H", "--hosts", "-i", "--identity", "-S", "--ssh-config"):
            words.pop(0)
        elif word.startswith("-") and not tasks:
            continue  # a flag of fab itself (--list, --help)
        elif word.startswith("--") and tasks:
            tasks[-1][1].append(word[2:].split("=", 1)[0])
            if "=" not in word and words and not words[0].startswith("-"):
                words.pop(0)
        else:
            tasks.append((word, []))
    assert collection is not None, f"{example}: no -c COLLECTION"
    module = ROOT / collection_root / f"{collection}.py"
    assert module.is_file(), f"{example}: {module.relative_to(ROOT)} does not exist"
    known = fabric_tasks(module)
    for task, options in tasks:
        assert task in known, f"{example}: no task {task!r} (tasks: {', '.join(sorted(known))})"
        for option in options:
            assert option in known[task], f"{example}: task {task!r} has no option --{option}"


def _check(example: Example) -> None:
    program, *args = example.words
    if program.endswith("runbook"):
        try:
            build_parser().parse_args(args)
        except SystemExit as exit_:
            assert exit_.code == 0, f"{example}: the runbook command refuses it"
    elif program == "make":
        targets = [word for word in args if "=" not in word and not word.startswith("-")]
        unknown = set(targets) - make_targets()
        assert not unknown, f"{example}: no make target {sorted(unknown)}"
    elif program == "fab":
        _check_fab(example)
    else:
        files = [word for word in args if word.startswith("runbooks/")]
        for name in files:
            assert (ROOT / name).is_file(), f"{example}: {name} does not exist"


def test_the_guide_shows_commands_of_every_kind():
    programs = {example.words[0].rsplit("/", 1)[-1] for example in EXAMPLES}
    assert {"runbook", "fab", "make", "bash", "ansible-playbook"} <= programs


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_a_command_the_guide_shows_resolves(example):
    _check(example)


def test_a_wrong_task_or_option_is_caught():
    """The checker itself fails on what a reader would trip over."""
    with pytest.raises(AssertionError, match="no task"):
        _check(Example("x:1", ("fab", "-r", "runbooks", "-c", "galera", "step-99-nothing")))
    with pytest.raises(AssertionError, match="no option"):
        _check(Example("x:1", ("fab", "-r", "runbooks", "-c", "galera", "deploy", "--nope", "1")))
    with pytest.raises(AssertionError, match="refuses"):
        _check(Example("x:1", ("runbook", "run", "galera", "--no-such-option")))
    with pytest.raises(AssertionError, match="no make target"):
        _check(Example("x:1", ("make", "no-such-target")))
