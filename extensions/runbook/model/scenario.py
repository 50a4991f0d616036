"""The scenario model: frozen, typed data shared by every part downstream of parsing.

Validation that needs no other object happens in ``__post_init__`` and raises
``ValueError``; parsers turn those into :class:`runbook.errors.ParseError` with the
source location of the text they were reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from runbook.model.location import SourceLocation
from runbook.model.target import ALL, Target

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VARIABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Where a scenario came from; legacy phd files export their variables as PHD_VAR_*.
Origin = Literal["rst", "myst", "legacy"]


def slugify(text: str) -> str:
    """A lower-case, dash-separated slug, as used in step ids and anchors."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "step"


@dataclass(frozen=True, slots=True)
class Variable:
    """A value the scenario's scripts read from their environment.

    ``default is None`` means the variable is required: a run is refused until it has a
    value. ``secret`` values are masked in every output of the project.
    """

    name: str
    description: str = ""
    default: str | None = None
    secret: bool = False
    location: SourceLocation | None = None

    def __post_init__(self) -> None:
        if not VARIABLE_RE.match(self.name):
            raise ValueError(
                f"variable name {self.name!r} is not a shell identifier (letters, digits, _)"
            )

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True, slots=True)
class Verify:
    """A check that proves a step worked, retried until it passes or time runs out.

    It passes when ``command`` exits with ``expect_exit`` and, if ``match`` is set, its
    output matches that regular expression (``re.search``). It is tried ``1 + retries``
    times, ``delay`` seconds apart, for at most ``timeout`` seconds in all.
    """

    command: str
    expect_exit: int = 0
    match: str | None = None
    retries: int = 0
    delay: float = 2.0
    timeout: float | None = None
    location: SourceLocation | None = None
    #: The source line of the command's first line, where a checker's line 1 is.
    command_line: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.command.strip():
            raise ValueError("the verification has no command")
        if self.retries < 0:
            raise ValueError("retries must be 0 or more")
        if self.delay < 0:
            raise ValueError("delay must be 0 or more")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be more than 0")
        if self.match is not None:
            try:
                re.compile(self.match)
            except re.error as error:
                raise ValueError(
                    f"the expected output {self.match!r} is not a valid regular expression: {error}"
                ) from None

    @property
    def max_wait(self) -> float:
        """The longest the verification may take to pass, in seconds (for the guide)."""
        waited = self.retries * self.delay
        return min(waited, self.timeout) if self.timeout is not None else waited


@dataclass(frozen=True, slots=True)
class StepOptions:
    """How a step runs besides its target and script."""

    run_once: bool = False
    serial: int | None = None
    sensitive: bool = False
    expect_exit: int = 0
    register: str | None = None
    no_verify: str | None = None
    shellcheck_disable: tuple[str, ...] = ()
    copy_paths: tuple[str, ...] = ()
    copy_from: Target | None = None

    def __post_init__(self) -> None:
        if self.serial is not None and self.serial < 1:
            raise ValueError("serial must be 1 or more")
        if self.register is not None and not VARIABLE_RE.match(self.register):
            raise ValueError(f"register name {self.register!r} is not a shell identifier")
        if self.copy_paths and self.copy_from is None:
            raise ValueError("copy needs copy-from: the host the files come from")
        if self.copy_from is not None and not self.copy_paths:
            raise ValueError("copy-from needs copy: the paths to copy")
        for path in self.copy_paths:
            if not path.startswith("/"):
                raise ValueError(f"copy path {path!r} must be absolute")


#: What a step's troubleshooting text is called where readers meet it: the box on the
#: step's card and the trainee's second hint.
TROUBLESHOOTING_TITLE = "If it fails"


@dataclass(frozen=True, slots=True)
class Step:
    """One ordered step: where it runs, what it runs, and how it proves it worked."""

    scenario: str
    index: int
    title: str
    script: str
    target: Target = ALL
    verify: Verify | None = None
    guard: str | None = None
    prose: str = ""
    options: StepOptions = field(default_factory=StepOptions)
    #: What to look at when the step's check fails, in the guide writer's words: paragraphs
    #: separated by blank lines (a trainee's second hint; the card's "If it fails").
    troubleshooting: str = ""
    location: SourceLocation | None = None
    #: Source lines of the script's and the guard's first lines, where a checker's line 1 is.
    script_line: int | None = field(default=None, compare=False)
    guard_line: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.index < 1:
            raise ValueError("step index starts at 1")
        if not self.title.strip():
            raise ValueError("the step has no title")
        if not self.script.strip() and not self.options.copy_paths:
            raise ValueError("the step has an empty script")
        if self.guard is not None and not self.guard.strip():
            raise ValueError("the guard (unless) is empty")

    @property
    def id(self) -> str:
        """Stable id, ``scenario/N``; what ``--from``, journals and ``:step:`` use."""
        return f"{self.scenario}/{self.index}"

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def anchor(self) -> str:
        """The HTML anchor of the step in the rendered guide, ``scenario-N``."""
        return f"{self.scenario}-{self.index}"


@dataclass(frozen=True, slots=True)
class Scenario:
    """An ordered procedure with its requirements, variables and steps."""

    name: str
    title: str
    steps: tuple[Step, ...]
    description: str = ""
    requires: tuple[str, ...] = ()
    variables: tuple[Variable, ...] = ()
    hosts_role: str | None = None
    #: What the scenario gives the scenarios after it, when others can give it too (``vip``:
    #: lb or keepalived). A ``requires`` naming it is met by any one of its providers.
    provides: tuple[str, ...] = ()
    min_nodes: int = 1
    origin: Origin = "rst"
    local_variables: tuple[tuple[str, str], ...] = ()
    verification_script: str | None = None
    location: SourceLocation | None = None
    docname: str | None = None

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(
                f"scenario name {self.name!r} must be lower-case letters, digits and dashes"
            )
        if self.min_nodes < 1:
            raise ValueError("a scenario needs at least 1 node")
        for provided in self.provides:
            if not NAME_RE.match(provided):
                raise ValueError(
                    f"provides {provided!r} must be lower-case letters, digits and dashes"
                )
            if provided == self.name:
                raise ValueError(f"scenario {self.name!r} cannot provide its own name")
        seen: set[str] = set()
        for variable in self.variables:
            if variable.name in seen:
                raise ValueError(f"variable {variable.name!r} is declared twice")
            seen.add(variable.name)
        for position, step in enumerate(self.steps, start=1):
            if step.index != position or step.scenario != self.name:
                raise ValueError(f"step {step.id} is out of order in scenario {self.name!r}")

    @property
    def roles(self) -> tuple[str, ...]:
        """Every inventory group the scenario names, in first-use order."""
        names: list[str] = []
        candidates = [self.hosts_role] + [step.target.role for step in self.steps]
        candidates += [s.options.copy_from.role for s in self.steps if s.options.copy_from]
        for role in candidates:
            if role is not None and role not in names:
                names.append(role)
        return tuple(names)

    def variable(self, name: str) -> Variable | None:
        return next((v for v in self.variables if v.name == name), None)

    def step(self, ref: str) -> Step:
        """A step by id (``galera/3``), number (``3``) or slug; ``KeyError`` if none."""
        tail = ref.split("/", 1)[1] if ref.startswith(self.name + "/") else ref
        for step in self.steps:
            if tail in (str(step.index), step.slug):
                return step
        raise KeyError(ref)
