"""Variable names a scenario may not set: the shell's and the loader's control variables.

A step's variables are exported into the environment its script runs in. Set to a
value from a variables file, these names would change how bash itself runs the script
(where it finds commands, how it splits words, what it runs before the script, which
libraries every program loads) rather than hand the script a value. The plan's own
``RB_*`` and ``PHD_ENV_*`` names (:mod:`runbook.plan.environment` sets them) are
reserved too. docs/reference/variables.md lists them all for authors.
"""

from __future__ import annotations

#: Names the plan sets itself; a scenario may not declare, register or set them.
RESERVED_PREFIXES = ("RB_", "PHD_ENV_")
#: Exact names, each with what it controls.
SHELL_CONTROL_NAMES: dict[str, str] = {
    "PATH": "where the shell finds commands",
    "IFS": "how the shell splits words",
    "BASH_ENV": "a file bash runs before the script",
    "ENV": "a file sh runs before the script",
    "CDPATH": "where cd looks for directories",
    "GLOBIGNORE": "which files globbing leaves out",
    "SHELLOPTS": "the shell's set -o options",
    "BASHOPTS": "bash's shopt options",
    "POSIXLY_CORRECT": "bash's POSIX mode",
    "PS4": "the trace prefix, which bash expands (and can run commands in)",
    "PROMPT_COMMAND": "a command bash runs before each prompt",
    "BASH_XTRACEFD": "where bash writes its trace",
    "BASH_COMPAT": "which older bash the shell behaves like",
    "HISTFILE": "where bash writes its history",
    "TMOUT": "when the shell gives up waiting for input",
    "PYTHONPATH": "where every Python program finds its modules",
    "PYTHONSTARTUP": "a file every interactive Python runs",
    "PERL5OPT": "options every Perl program runs with",
    "PERL5LIB": "where every Perl program finds its modules",
}
#: Prefixes: exported bash functions, and every dynamic loader setting (LD_PRELOAD,
#: LD_LIBRARY_PATH, LD_AUDIT, ...).
SHELL_CONTROL_PREFIXES: dict[str, str] = {
    "BASH_FUNC_": "functions bash imports from the environment",
    "LD_": "the dynamic loader of every program",
}


def shell_control_reason(name: str) -> str | None:
    """Why ``name`` may not be a scenario's variable (``controls ...``), else ``None``."""
    if name in SHELL_CONTROL_NAMES:
        return f"controls {SHELL_CONTROL_NAMES[name]}"
    for prefix, controls in SHELL_CONTROL_PREFIXES.items():
        if name.startswith(prefix):
            return f"starts with {prefix}, which controls {controls}"
    return None


def reserved_reason(name: str) -> str | None:
    """Why a scenario may not declare, register or set ``name``; else ``None``.

    The reason follows the name in a sentence: ``variable name PATH controls ...``.
    """
    if name.startswith(RESERVED_PREFIXES):
        prefixes = ", ".join(prefix + "*" for prefix in RESERVED_PREFIXES)
        return f"is reserved: the plan sets {prefixes} itself; choose another name"
    reason = shell_control_reason(name)
    if reason is not None:
        return f"{reason}; choose another name (docs/reference/variables.md lists these)"
    return None
