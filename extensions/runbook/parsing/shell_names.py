"""Which variables a shell script uses and sets, read well enough for a warning or a page.

Not a shell parser: it skips comments, single-quoted text and quoted here-documents, and
takes ``$NAME`` / ``${NAME...}`` as uses. ``${NAME:-x}``, ``${NAME-x}``, ``${NAME:=x}`` and
``${NAME+x}`` handle an unset variable on purpose and are not counted as uses that need a
definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)(" + _NAME + r")\2")
_USE = re.compile(r"\$(?:\{([#!]?)(" + _NAME + r")([^}]*)\}|(" + _NAME + r"))")
_ASSIGN = re.compile(r"(?:^|[\s;&|(`])(" + _NAME + r")(?:\[[^\]]*\])?\+?=")
_DECLARE = re.compile(
    r"\b(?:export|local|declare|typeset|readonly|read|mapfile|readarray|unset)"
    r"((?:\s+-[A-Za-z]+(?:\s+'[^']*'|\s+\"[^\"]*\")?)*)((?:\s+" + _NAME + r")+)"
)
_FOR = re.compile(r"\bfor\s+(" + _NAME + r")\s+in\b")
_PRINTF_V = re.compile(r"\bprintf\s+-v\s+(" + _NAME + r")")
_GETOPTS = re.compile(r"\bgetopts\s+\S+\s+(" + _NAME + r")")
_HANDLES_UNSET = re.compile(r"^:?[-=+?]")

#: Variables bash or the login environment provide.
_SHELL_VARIABLES_TEXT = """
    HOME PATH USER LOGNAME SHELL PWD OLDPWD HOSTNAME HOSTTYPE OSTYPE MACHTYPE UID EUID PPID
    RANDOM SECONDS LINENO BASH BASH_VERSION BASH_VERSINFO BASH_SOURCE BASH_REMATCH
    BASH_LINENO BASHPID PIPESTATUS FUNCNAME IFS TERM LANG LANGUAGE LC_ALL TMPDIR REPLY
    OPTARG OPTIND OPTERR GROUPS SHLVL EPOCHSECONDS EPOCHREALTIME COLUMNS LINES MAIL"""
SHELL_VARIABLES = frozenset(_SHELL_VARIABLES_TEXT.split())


@dataclass(frozen=True, slots=True)
class ShellNames:
    """The names a script uses (needing a value) and the names it sets itself."""

    used: frozenset[str]
    mentioned: frozenset[str]
    assigned: frozenset[str]


def _expandable_text(script: str) -> str:
    """The parts of ``script`` where ``$`` expands: no comments, '...' or quoted heredocs."""
    out: list[str] = []
    lines = script.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(_strip_line(line))
        index += 1
        for strip_tabs, quote, word in _HEREDOC.findall(line):
            body: list[str] = []
            while index < len(lines):
                text = lines[index].lstrip("\t") if strip_tabs else lines[index]
                index += 1
                if text == word:
                    break
                body.append(lines[index - 1])
            if not quote:
                out.extend(body)
    return "\n".join(out)


def _strip_line(line: str) -> str:
    """One line without single-quoted text and its comment (double quotes kept)."""
    result: list[str] = []
    state = "plain"
    position = 0
    while position < len(line):
        char = line[position]
        if state == "single":
            if char == "'":
                state = "plain"
        elif char == "\\":
            result.append(line[position : position + 2])
            position += 2
            continue
        elif state == "double":
            if char == '"':
                state = "plain"
            result.append(char)
        elif char == "'":
            state = "single"
        elif char == '"':
            state = "double"
            result.append(char)
        elif char == "#" and (position == 0 or line[position - 1] in " \t;&|("):
            break
        else:
            result.append(char)
        position += 1
    return "".join(result)


def shell_names(script: str) -> ShellNames:
    """The variables ``script`` uses and sets."""
    text = _expandable_text(script)
    used: set[str] = set()
    mentioned: set[str] = set()
    for match in _USE.finditer(text):
        prefix, braced, rest, plain = match.groups()
        name = braced or plain
        mentioned.add(name)
        if prefix == "!" or (braced and _HANDLES_UNSET.match(rest)):
            continue
        used.add(name)
    assigned = {m.group(1) for m in _ASSIGN.finditer(text)}
    for match in _DECLARE.finditer(text):
        assigned.update(match.group(2).split())
    for pattern in (_FOR, _PRINTF_V, _GETOPTS):
        assigned.update(m.group(1) for m in pattern.finditer(text))
    return ShellNames(frozenset(used), frozenset(mentioned), frozenset(assigned))
