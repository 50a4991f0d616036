"""The shell text a step runs as: exported variables, then the script, fed to a shell.

Shell semantics (documented for authors in docs/reference/running.md):

* every command (guard, script, verification) runs in a shell of its own that reads the
  text built here from its standard input (:data:`BASH`, or a host's command loop, see
  :mod:`cmdloop`), never from a command line (so values and secrets do not show in
  ``ps`` on either host);
* ``set -e``: the first failing command ends the script with its status; a pipeline's
  status is its last command's, as in the shell an operator types into. ``pipefail`` is
  left off on purpose: with it, the guide's everyday check ``producer | grep -q pattern``
  fails at random with SIGPIPE (exit 141) whenever grep stops reading before the producer
  has written everything;
* variables arrive as ``export NAME='value'`` lines, single-quoted, so quotes, ``$(...)``,
  backticks, ``;`` and newlines are data, never code;
* the script is wrapped in ``{ ... } </dev/null``: bash parses the whole block before it
  runs any of it, so a command that reads standard input (``cat``, ``mysql``, ``apt-get``)
  cannot swallow the rest of the script, and a syntax error runs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runbook.model import Value, reveal

#: What runs a script; the script itself travels on its standard input. The SSH
#: transport gives it to the host's command loop; as a command line (on the control host,
#: or a session of its own), a bash reads it with ``.``, in a few reads: ``bash -s``
#: reads a pipe one byte at a time, so as never to read past its script, which costs a
#: system call per byte, and starting it is a second bash. Any other shell starts
#: ``bash -s``.
BASH = (
    'if [ -n "${BASH_VERSION:-}" ] && [ -r /dev/stdin ]; then . /dev/stdin; else exec bash -s; fi'
)
PREAMBLE = "set -e\n"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Linux's MAX_ARG_STRLEN: the longest ``NAME=value`` string ``execve`` accepts, NUL included.
MAX_ENV_STRING = 131072


def quote(text: str) -> str:
    """``text`` as one single-quoted shell word, whatever it contains (except NUL)."""
    return "'" + text.replace("'", "'\\''") + "'"


def check_environment(env: Mapping[str, Value]) -> None:
    """Refuse names that are not shell identifiers and values bash cannot carry.

    Raises ``ValueError`` naming the variable (never its value): a NUL byte would silently
    cut the value short in bash, bytes that are not UTF-8 (from a command line in another
    encoding) cannot be sent as they were given, and an exported value longer than the
    kernel's limit for one environment string makes every program the step starts fail,
    so all three are refused before anything connects.
    """
    for name, value in env.items():
        if not _NAME.match(name):
            raise ValueError(f"variable name {name!r} is not a shell identifier")
        text = reveal(value)
        if "\0" in text:
            raise ValueError(f"the value of variable {name} contains a NUL byte")
        try:
            size = len(f"{name}={text}".encode())
        except UnicodeEncodeError:
            raise ValueError(f"the value of variable {name} is not valid UTF-8 text") from None
        if size >= MAX_ENV_STRING:
            raise ValueError(
                f"the value of variable {name} is {size} bytes: every command the step runs "
                f"would fail, as Linux passes at most {MAX_ENV_STRING - 1} bytes of one "
                "environment variable to a command; put such data in a file"
            )


def export_lines(env: Mapping[str, Value]) -> str:
    """``export NAME='value'`` lines, secrets revealed: hand the result only to a transport."""
    check_environment(env)
    return "".join(f"export {name}={quote(reveal(value))}\n" for name, value in env.items())


def script_text(env: Mapping[str, Value], body: str) -> bytes:
    """The whole text of one command, for its shell; contains revealed secrets."""
    block = "{\n" + body.rstrip("\n") + "\n} </dev/null\n"
    return (PREAMBLE + export_lines(env) + block).encode("utf-8")
