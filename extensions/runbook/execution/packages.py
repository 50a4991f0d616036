"""Which packages a scenario installs, read from its own apt-get, apt, dnf and yum commands.

Pure and best-effort: the executed guide shows the versions of these packages, so a name
missed here only means a version not shown. The script is split into words as the shell
would (:mod:`shlex`), commands are cut at ``;``, ``&&``, ``|``, parentheses and line ends,
and heredoc bodies are skipped. Only literal names survive: a word holding ``$``, a glob,
a path, a group (``@core``) or a removal (``pkg-``) is left out, so what comes back is
always a plain package name (still passed to a shell only as quoted data).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator

_APT = frozenset({"apt-get", "apt"})
_RPM = frozenset({"dnf", "yum", "microdnf"})
#: Commands that run the next word as the program: ``sudo apt-get``, ``env X=1 dnf``.
_WRAPPERS = frozenset({"sudo", "env", "command", "exec", "nohup", "eatmydata"})
#: Options, per tool, whose value is the next word (``-o Dpkg::Options::=--force-confold``).
_WITH_VALUE = {
    "apt": frozenset(
        {"-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"}
    ),
    "rpm": frozenset(
        {
            "-c",
            "--config",
            "-d",
            "--debuglevel",
            "-e",
            "--errorlevel",
            "-x",
            "--exclude",
            "--enablerepo",
            "--disablerepo",
            "--repo",
            "--repoid",
            "--releasever",
            "--installroot",
            "--setopt",
            "--forcearch",
        }
    ),
    "wrapper": frozenset({"-u", "-g", "-C", "-h", "-p", "-U", "-S", "--chdir"}),
}
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*\Z")
_PUNCTUATION = set("();<>|&")


def installed_packages(scripts: Iterable[str]) -> tuple[str, ...]:
    """Every package the scripts install, in order of first mention, each once."""
    seen: dict[str, None] = {}
    for script in scripts:
        for name in packages_in(script):
            seen.setdefault(name, None)
    return tuple(seen)


def packages_in(script: str) -> tuple[str, ...]:
    """The packages one script's install commands name, in order (duplicates kept)."""
    found: list[str] = []
    for words in _commands(script):
        found += _install_arguments(words)
    return tuple(found)


def _install_arguments(words: list[str]) -> list[str]:
    """The package names of one simple command, if it is a package install."""
    position = _program_position(words)
    if position is None:
        return []
    program = words[position].rsplit("/", 1)[-1]
    if program in _APT:
        family = "apt"
    elif program in _RPM:
        family = "rpm"
    else:
        return []
    arguments = _plain_words(words[position + 1 :], _WITH_VALUE[family])
    if not arguments or arguments[0] != "install":
        return []
    names = (_package_name(word, family) for word in arguments[1:])
    return [name for name in names if name is not None]


def _program_position(words: list[str]) -> int | None:
    """Where the program of a simple command is, past assignments and wrappers."""
    position = 0
    while position < len(words):
        word = words[position]
        if _ASSIGNMENT.match(word):
            position += 1
        elif word.rsplit("/", 1)[-1] in _WRAPPERS:
            position += 1
            while position < len(words) and words[position].startswith("-"):
                takes_value = words[position] in _WITH_VALUE["wrapper"]
                position += 2 if takes_value else 1
        else:
            return position
    return None


def _plain_words(words: list[str], with_value: frozenset[str]) -> list[str]:
    """The words that are not options nor option values."""
    plain: list[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
        elif word.startswith("-") and len(word) > 1:
            skip_next = word in with_value
        else:
            plain.append(word)
    return plain


def _package_name(word: str, family: str) -> str | None:
    """The package a word of an install command names, or None if it is not a plain one."""
    if any(char in word for char in "$`*?[]{}/@<>\\"):
        return None
    if family == "apt":
        if word.endswith("-"):
            return None  # apt-get install pkg- removes pkg
        word = word.split("=", 1)[0].split(":", 1)[0]
    elif word.endswith((".rpm", ".deb")):
        return None
    return word if _NAME.match(word) else None


def _commands(script: str) -> Iterator[list[str]]:
    """The words of each simple command in ``script``, heredoc bodies left out."""
    lines = script.replace("\\\n", " ").splitlines()
    index = 0
    while index < len(lines):
        text = lines[index]
        index += 1
        tokens = _tokens(text)
        # A quoted string may span lines: take more lines until the quotes close.
        while tokens is None and index < len(lines):
            text += "\n" + lines[index]
            index += 1
            tokens = _tokens(text)
        if tokens is None:
            return
        words: list[str] = []
        delimiters: list[str] = []
        for position, token in enumerate(tokens):
            if token and set(token) <= _PUNCTUATION:
                if token.startswith("<<") and position + 1 < len(tokens):
                    delimiters.append(tokens[position + 1].lstrip("-"))
                if words:
                    yield words
                words = []
            else:
                words.append(token)
        if words:
            yield words
        for delimiter in delimiters:
            while index < len(lines) and lines[index].strip() != delimiter:
                index += 1
            index += 1


def _tokens(text: str) -> list[str] | None:
    """Shell words and operators of ``text``; None while a quote is still open."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:
        return None
