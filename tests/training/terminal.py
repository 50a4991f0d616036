"""``runbook train`` in a pseudo-terminal of 80x24, driven by pexpect as a person would."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect

DATA = Path(__file__).parents[1] / "execution" / "data"
PROMPT = r"\[r\]un \[t\]ype \[c\]heck \[h\]int \[s\]olve \[q\]uit \[\?\]: "


def spawn(
    args: list[str], *, term: str = "dumb", no_color: bool = False, timeout: float = 30
) -> pexpect.spawn:
    """``runbook ARGS`` on a terminal of 80 columns and 24 lines, output kept in ``.log``."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["TERM"] = term
    if no_color:
        env["NO_COLOR"] = "1"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "runbook.cli.main", *args],
        env=env,
        dimensions=(24, 80),
        encoding="utf-8",
        timeout=timeout,
        codec_errors="replace",
    )
    child.logfile_read = Log()
    return child


class Log:
    """Everything the terminal showed, for assertions after the fact."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, data: str) -> None:
        self.text += data

    def flush(self) -> None:
        pass


def shown(child: pexpect.spawn) -> str:
    """The terminal's output so far, with the terminal's CR LF made plain newlines."""
    log = child.logfile_read
    assert isinstance(log, Log)
    return log.text.replace("\r\n", "\n")


def phrase(text: str) -> str:
    """A pattern for ``text`` however the terminal's width wrapped it."""
    return r"\s+".join(re.escape(word) for word in text.split())


def flat(child: pexpect.spawn) -> str:
    """The output so far with every run of blanks and line breaks made one space."""
    return " ".join(shown(child).split())


def finish(child: pexpect.spawn) -> int:
    """Wait for the program to end; its exit status."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus is not None, "the program was killed by a signal"
    return child.exitstatus


def demo_args(workdir: Path, state: Path, *extra: str) -> list[str]:
    return [
        "train",
        str(DATA / "demo.rst"),
        "-i",
        str(DATA / "inventory.yml"),
        "-e",
        f"workdir={workdir}",
        "--state-dir",
        str(state),
        "--trainee",
        "alice",
        *extra,
    ]
