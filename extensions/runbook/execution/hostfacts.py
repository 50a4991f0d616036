"""What a host ran a scenario on: its OS and the versions of the packages the scenario installs.

The runner asks each host once, after the scenario's steps ran there, with the command
built here, and the journal keeps the answer for the executed guide. The command never
fails: a host without ``/etc/os-release``, without ``dpkg-query`` or ``rpm``, or without
one of the packages just answers with less. Package names are passed as single-quoted
words (:func:`~runbook.execution.shell.quote`), never as shell syntax.
"""

from __future__ import annotations

from collections.abc import Sequence

from runbook.execution.shell import quote

#: Seconds a host gets to answer; the run's result does not depend on it.
TIMEOUT = 60.0


def facts_command(packages: Sequence[str]) -> str:
    """Shell text printing ``os<TAB>PRETTY_NAME`` and a line per installed package."""
    words = " ".join(quote(name) for name in packages)
    lines = [
        "if [ -r /etc/os-release ]; then",
        '  (. /etc/os-release && printf "os\\t%s\\n" "${PRETTY_NAME:-}") || true',
        "fi",
    ]
    if words:
        lines += [
            "if command -v dpkg-query >/dev/null 2>&1; then",
            "  dpkg-query -W -f 'dpkg\\t${db:Status-Abbrev}\\t${Package}\\t${Version}\\n' -- "
            f"{words} 2>/dev/null || true",
            "elif command -v rpm >/dev/null 2>&1; then",
            f"  rpm -q --qf 'rpm\\t%{{NAME}}\\t%{{VERSION}}-%{{RELEASE}}\\n' -- {words}"
            " 2>/dev/null || true",
            "fi",
        ]
    return "\n".join(lines) + "\n"


def parse_facts(output: str, packages: Sequence[str]) -> tuple[str, dict[str, str | None]]:
    """The OS name and a version per asked package (None: not installed, or not known)."""
    system = ""
    versions: dict[str, str | None] = dict.fromkeys(packages)
    for line in output.splitlines():
        kind, _tab, rest = line.partition("\t")
        if kind == "os" and not system:
            system = rest.strip()
        elif kind in ("dpkg", "rpm"):
            if kind == "dpkg":
                status, _tab, rest = rest.partition("\t")
                if not status.startswith("ii"):
                    continue  # known to dpkg but not installed (removed, half-installed)
            name, _tab, version = rest.partition("\t")
            version = version.strip()
            if name in versions and versions[name] is None and version:
                versions[name] = version
    return system, versions
