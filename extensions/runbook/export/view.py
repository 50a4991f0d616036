"""What the templates need to know about a scenario, worked out once in Python.

Everything a template would otherwise have to compute (source paths relative to the
repository, the order defaults are expanded in, target words and Ansible host patterns) is
computed here, so templates only lay text out and escape values.
"""

from __future__ import annotations

import math
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from runbook.export.templates import Escaped, jinja_str, sh_word
from runbook.model import Scenario, SourceLocation, Step, Target
from runbook.parsing.variables import REFERENCE_RE, expansion_order, secret_by_reference

#: ``$NAME`` and ``${NAME}``: what a legacy file's LOCAL_VARIABLES may refer to.
SHELL_REFERENCE_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")

#: The names every export gives to the group of a scenario without a ``:hosts:`` group.
ALL_GROUP = "all"


def source_of(location: SourceLocation | None, root: Path) -> str:
    """``path:line`` with the path relative to ``root`` (outputs must not depend on cwd)."""
    if location is None:
        return "(unknown source)"
    path = Path(location.path)
    if path.is_absolute():
        path = Path(os.path.relpath(path, root))
    return str(SourceLocation(path.as_posix(), location.line))


def default_parts(default: str) -> list[tuple[str, str]]:
    """The default split into ``("text", literal)`` and ``("ref", name)`` parts."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in REFERENCE_RE.finditer(default):
        if match.start() > position:
            parts.append(("text", default[position : match.start()]))
        parts.append(("ref", match.group(1)))
        position = match.end()
    if position < len(default) or not parts:
        parts.append(("text", default[position:]))
    return parts


def local_exports(scenario: Scenario) -> list[str]:
    """A legacy file's LOCAL_VARIABLES as bash ``export`` lines, as phd wrote them.

    Only ``$NAME`` references expand (as :mod:`runbook.plan.environment` does for the
    runner); every other character is quoted.
    """
    lines = []
    for name, value in scenario.local_variables:
        words, position = [], 0
        for match in SHELL_REFERENCE_RE.finditer(value):
            if match.start() > position:
                words.append(shlex.quote(value[position : match.start()]))
            words.append(f'"${{{match.group(1) or match.group(2)}}}"')
            position = match.end()
        if position < len(value) or not words:
            words.append(shlex.quote(value[position:]))
        lines.append(f"export {name}={''.join(words)}")
    return lines


@dataclass(frozen=True)
class VariableView:
    """A declared variable as exports see it: a secret's own value is never written."""

    name: str
    description: str
    default: str | None
    secret: bool
    parts: tuple[tuple[str, str], ...]

    @property
    def bash_default(self) -> Escaped:
        """The default as one bash word; ``${name}`` references expand, nothing else does."""
        return Escaped(
            "".join(
                f'"${{{value}}}"' if kind == "ref" else sh_word(value) for kind, value in self.parts
            )
        )

    @property
    def jinja_default(self) -> Escaped:
        """The default as an expression for Ansible's ``{{ }}``; references are variables."""
        return Escaped(
            " ~ ".join(value if kind == "ref" else jinja_str(value) for kind, value in self.parts)
        )


def variable_views(scenario: Scenario) -> list[VariableView]:
    """Declared variables in the order their defaults can be expanded."""
    defaults = {v.name: v.default for v in scenario.variables}
    order = expansion_order(defaults)
    secret = secret_by_reference(defaults, {v.name for v in scenario.variables if v.secret})
    views = []
    for name in order:
        variable = scenario.variable(name)
        assert variable is not None  # the order holds only declared names
        default = None if variable.secret else variable.default
        views.append(
            VariableView(
                name=name,
                description=variable.description,
                default=default,
                secret=name in secret,
                parts=tuple(default_parts(default)) if default is not None else (),
            )
        )
    return views


def target_words(target: Target) -> list[str]:
    """The target as the bash export's ``rb_select`` arguments: kind, group, N, hosts."""
    index = target.index or (1 if target.kind == "first" else 0)
    return [target.kind, target.role or "", str(index), *target.hosts]


def ansible_group(scenario: Scenario, target: Target) -> str:
    return target.role or scenario.hosts_role or ALL_GROUP


def ansible_pattern(scenario: Scenario, target: Target) -> str:
    """The Ansible host pattern selecting the target's hosts."""
    if target.kind == "local":
        return "localhost"
    if target.kind == "host":
        return ":".join(target.hosts)
    group = ansible_group(scenario, target)
    if target.kind == "all":
        return group
    return f"{group}[{(target.index or 1) - 1}]"


def ansible_first_host(scenario: Scenario, target: Target) -> str:
    """A Jinja expression naming the first host the target selects."""
    if target.kind == "local":
        return "'localhost'"
    if target.kind == "host":
        return repr(target.hosts[0])
    index = (target.index or 1) - 1
    return f"groups[{ansible_group(scenario, target)!r}][{index}]"


def number(value: float) -> int | float:
    """``2.0`` as ``2``: integral seconds print without a fraction."""
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class StepView:
    """One step with what each template needs beside the model."""

    step: Step
    source: str
    scenario: Scenario

    @property
    def number(self) -> str:
        return f"{self.step.index:02d}"

    @property
    def task_name(self) -> str:
        """The Fabric task's function name, ``step_03_install_packages``."""
        return f"step_{self.number}_{self.step.slug.replace('-', '_')}"

    @property
    def target_words(self) -> list[str]:
        return target_words(self.step.target)

    @property
    def copy_from_words(self) -> list[str]:
        copy_from = self.step.options.copy_from
        return target_words(copy_from) if copy_from is not None else []

    @property
    def pattern(self) -> str:
        return ansible_pattern(self.scenario, self.step.target)

    @property
    def first_host(self) -> str:
        return ansible_first_host(self.scenario, self.step.target)

    @property
    def copy_from_host(self) -> str:
        copy_from = self.step.options.copy_from
        return ansible_first_host(self.scenario, copy_from) if copy_from else ""

    @property
    def delay(self) -> int | float:
        return number(self.step.verify.delay) if self.step.verify else 2

    @property
    def timeout(self) -> int | str:
        """Whole seconds for the bash export's deadline ('' when there is none)."""
        verify = self.step.verify
        if verify is None or verify.timeout is None:
            return ""
        return math.ceil(verify.timeout)

    @property
    def ansible_retries(self) -> int:
        """Retries within the timeout: Ansible's ``until`` loop has no overall deadline."""
        verify = self.step.verify
        if verify is None:
            return 0
        if verify.timeout is None or verify.delay <= 0:
            return verify.retries
        return min(verify.retries, max(0, math.floor(verify.timeout / verify.delay)))


def step_views(scenario: Scenario, root: Path) -> list[StepView]:
    return [StepView(step, source_of(step.location, root), scenario) for step in scenario.steps]


def other_roles(scenario: Scenario) -> list[str]:
    """Groups named by targets besides the scenario's own hosts group."""
    return [role for role in scenario.roles if role != scenario.hosts_role]


class Context(TypedDict):
    """The template context shared by every format (a template sees these names)."""

    s: Scenario
    source: str
    variables: list[VariableView]
    steps: list[StepView]
    other_roles: list[str]
    legacy: bool
    local_exports: list[str]
    group: str


def context(scenario: Scenario, root: Path) -> Context:
    """The template context shared by every format."""
    return {
        "s": scenario,
        "source": source_of(scenario.location, root),
        "variables": variable_views(scenario),
        "steps": step_views(scenario, root),
        "other_roles": other_roles(scenario),
        "legacy": scenario.origin == "legacy",
        "local_exports": local_exports(scenario),
        "group": scenario.hosts_role or ALL_GROUP,
    }
