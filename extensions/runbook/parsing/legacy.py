"""Import legacy phd ``.scenario`` files into the scenario model (origin ``legacy``).

The format is stated in the project notes (legacy-scenario-format.md) and, for
operators, in docs/reference/variables.md. What the import decides beyond the format:

* The comment lines before the first section header give the scenario's title (the
  first line) and description (the rest); without them the title is the file name.
* ``VARIABLES`` names become required :class:`Variable` s, described by the comment lines
  just above them. A name with a part ``password``/``passwd``/``secret``/``key``/``keys``/
  ``token`` (``PHD_VAR_db_password``, ``PHD_VAR_ssh_key``; not ``keystone``) is secret.
* ``REQUIREMENTS``: ``nodes`` is the scenario's minimum node count; ``packages`` becomes
  a first step that installs them with apt-get on every node (skipped when all are
  installed, verified afterwards). Every requirement is kept in
  :attr:`LegacyImport.requirements`; unknown keys also give a warning.
* A script block's title is the first comment line written before it (after the previous
  block), the other comment lines are its prose; else it is "Script block N".
* What phd logged and ran past (stray lines, unknown sections, an unclosed block, a
  variable declared twice, ``PHD_ENV_*`` in VARIABLES) is a warning, not an error;
  ``cluster_init=1`` makes the scenario require ``basic-cluster``.
* The ``NAME-test.sh`` beside the file, when there is one, is kept as
  ``Scenario.verification_script`` and becomes a final step on every node, titled
  "Run the scenario's test script", whose script is that file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from runbook.errors import ParseError
from runbook.model import (
    ALL,
    LOCAL,
    Scenario,
    SourceLocation,
    Step,
    StepOptions,
    Target,
    Variable,
    Verify,
)
from runbook.model.names import reserved_reason, shell_control_reason
from runbook.model.scenario import NAME_RE, VARIABLE_RE
from runbook.parsing.files import read_user_file

SECTIONS = ("VARIABLES", "REQUIREMENTS", "LOCAL_VARIABLES", "SCRIPTS")
KNOWN_REQUIREMENTS = (
    "nodes",
    "packages",
    "cluster_init",
    "cluster_destroy",
    "floating_ips",
    "shared_storage",
    "install_local",
    "clean_shared_storage",
)
BLOCK_MARK = "...."
#: What ``cluster_init=1`` asks for: the cluster the guide's basic-cluster scenario sets up.
CLUSTER_SCENARIO = "basic-cluster"
PHD_ENV_PREFIX = "PHD_ENV_"
#: The ``PHD_ENV_*`` names the plan sets (:mod:`runbook.plan.environment`).
PLAN_ENV_RE = re.compile(r"^PHD_ENV_(?:nodes|floating_ips)[0-9]*$")
SECRET_WORDS = frozenset({"password", "passwd", "secret", "key", "keys", "token"})

#: phd took any line starting with ``=`` as a header, its name without ``=`` and blanks.
_HEADER_RE = re.compile(r"^=[=\s]*([A-Za-z_]+)[=\s]*$")
_NODE_TARGET_RE = re.compile(r"^\$(?:PHD_ENV_nodes(\d+)|\{PHD_ENV_nodes(\d+)\})$")
_ALL_NODES = ("$PHD_ENV_nodes", "${PHD_ENV_nodes}")
_HOST_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_PACKAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+.:=~_-]*$")
_PHD_VAR_USE_RE = re.compile(r"\$\{?(PHD_VAR_[A-Za-z0-9_]+)")


@dataclass(frozen=True, slots=True)
class LegacyWarning:
    """Something the import kept or ignored that the author should know about."""

    location: SourceLocation
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class LegacyImport:
    """A legacy file's scenario, its REQUIREMENTS as written, and the import's warnings."""

    scenario: Scenario
    requirements: tuple[tuple[str, str], ...] = ()
    warnings: tuple[LegacyWarning, ...] = ()


def is_secret_name(name: str) -> bool:
    """True when a ``_``-separated part of the name says it holds a secret."""
    parts = name.lower().split("_")
    return any(part in SECRET_WORDS or part.endswith("password") for part in parts)


def name_of_file(stem: str) -> str:
    """The scenario name a legacy file's name gives (``""`` when it has no letter or digit)."""
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def test_script_path(path: Path) -> Path:
    """Where phd guides kept a scenario's checks: ``NAME-test.sh`` beside ``NAME.scenario``."""
    return path.with_name(f"{path.stem}-test.sh")


def parse_legacy(
    text: str, path: str, *, name: str | None = None, test_script: Path | None = None
) -> Scenario:
    """The scenario of a legacy file's ``text``; ParseError with ``path:line`` otherwise.

    The test script is read from ``test_script``, or else from ``NAME-test.sh`` beside
    ``path`` when that file exists: the one read this function makes.
    """
    return load_legacy_text(text, path, name=name, test_script=test_script).scenario


def load_legacy(
    path: Path,
    *,
    name: str | None = None,
    test_script: Path | None = None,
    within: Path | None = None,
) -> LegacyImport:
    """Read and import a legacy file (and its test script), with the import's warnings.

    ``within``, when given, is the directory both files must be inside (the guide's).
    """
    text = read_user_file(path, what="legacy scenario", within=within)
    return load_legacy_text(text, str(path), name=name, test_script=test_script, within=within)


def load_legacy_text(
    text: str,
    path: str,
    *,
    name: str | None = None,
    test_script: Path | None = None,
    within: Path | None = None,
) -> LegacyImport:
    """Import ``text`` read from ``path``, reading its test script from disk if present."""
    script_path = test_script if test_script is not None else test_script_path(Path(path))
    script: str | None = None
    if test_script is not None or script_path.is_file():
        what = ":test-script:" if test_script is not None else "test script"
        script = read_user_file(script_path, what=what, within=within)
    return import_legacy(text, path, name=name, test_script=script, test_script_name=script_path)


def import_legacy(
    text: str,
    path: str,
    *,
    name: str | None = None,
    test_script: str | None = None,
    test_script_name: Path | None = None,
) -> LegacyImport:
    """Import a legacy file's text without touching the disk (the pure core)."""
    return _Reader(text, path).read(name, test_script, test_script_name)


@dataclass
class _Block:
    """A script block as read: its lines, attributes and the comments before it."""

    opened: int
    lines: list[str]
    comments: list[str]
    target: Target
    expect_exit: int


class _Reader:
    """One pass over the lines, section by section."""

    def __init__(self, text: str, path: str) -> None:
        self.where = SourceLocation(path)
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        self.variables: list[Variable] = []
        self.requirements: list[tuple[str, str, int]] = []
        self.local_variables: list[tuple[str, str]] = []
        self.blocks: list[_Block] = []
        self.warnings: list[LegacyWarning] = []
        self.scripts_line: int | None = None

    def error(self, message: str, line: int) -> ParseError:
        return ParseError(message, self.where.at(line))

    def warn(self, message: str, line: int) -> None:
        self.warnings.append(LegacyWarning(self.where.at(line), message))

    def read(
        self, name: str | None, test_script: str | None, test_script_name: Path | None
    ) -> LegacyImport:
        if "\0" in "\n".join(self.lines):
            line = next(n for n, text in enumerate(self.lines, 1) if "\0" in text)
            raise self.error("the file contains a NUL byte; is it a text file?", line)
        self.scan()
        cluster_init = any(
            key == "cluster_init" and value == "1" for key, value, _ in self.requirements
        )
        if not self.blocks and not cluster_init:
            self.warn(
                "the file has no script blocks (a SCRIPTS section with '....' blocks): "
                "the scenario has nothing of its own to run",
                self.scripts_line or 1,
            )
        scenario_name = name or self.name_from_file()
        requires = (CLUSTER_SCENARIO,) if cluster_init and scenario_name != CLUSTER_SCENARIO else ()
        steps = self.steps(scenario_name)
        if test_script is not None:
            steps.append(
                self.test_step(scenario_name, len(steps) + 1, test_script, test_script_name)
            )
        self.check_variable_uses(steps)
        min_nodes = 1
        for key, value, line in self.requirements:
            if key == "nodes":
                if not value.isascii() or not value.isdigit() or int(value) < 1:
                    raise self.error(
                        f"nodes must be a whole number of 1 or more, not {value!r}", line
                    )
                min_nodes = int(value)
        header = self.header()
        title = header[0] if header else scenario_name
        try:
            scenario = Scenario(
                name=scenario_name,
                title=title,
                steps=tuple(steps),
                description="\n".join(header[1:]),
                requires=requires,
                variables=tuple(self.variables),
                min_nodes=min_nodes,
                origin="legacy",
                local_variables=tuple(self.local_variables),
                verification_script=test_script,
                location=self.where.at(1),
            )
        except ValueError as error:
            raise self.error(str(error), 1) from None
        return LegacyImport(
            scenario=scenario,
            requirements=tuple((key, value) for key, value, _ in self.requirements),
            warnings=tuple(self.warnings),
        )

    # -- the pass over the lines --------------------------------------------------------

    def scan(self) -> None:
        section: str | None = None
        comments: list[str] = []
        attributes: dict[str, tuple[str, int]] = {}
        number = 0
        while number < len(self.lines):
            number += 1
            raw = self.lines[number - 1]
            line = raw.strip()
            if line.startswith("#"):
                text = line.strip("#").strip()
                if text:
                    comments.append(text)
                continue
            if not line:
                continue
            header = _HEADER_RE.match(line)
            if header and header.group(1).upper() in SECTIONS:
                section = header.group(1).upper()
                if section == "SCRIPTS" and self.scripts_line is None:
                    self.scripts_line = number
                if attributes:
                    self.unused_attributes(attributes)
                comments, attributes = [], {}
                continue
            if header:
                self.warn(
                    f"unknown section {header.group(1)!r} (expected one of "
                    f"{', '.join(SECTIONS)}); phd ignored the line, and so does the import",
                    number,
                )
                continue
            if section is None:
                self.warn(
                    "text before the first section header (= VARIABLES =, = SCRIPTS =, ...) "
                    "is ignored",
                    number,
                )
                continue
            if section == "SCRIPTS" and line == BLOCK_MARK:
                number = self.block(number, comments, attributes)
                comments, attributes = [], {}
            elif section == "SCRIPTS":
                pair = self.pair(line, number, "key=value before a '....' block", "=")
                if pair is not None:
                    attributes[pair[0]] = (pair[1], number)
            elif section == "VARIABLES":
                self.variable(line, number, comments)
                comments = []
            elif section == "REQUIREMENTS":
                pair = self.pair(line, number, "key=value or key: value", "=:")
                if pair is not None:
                    self.requirement(pair[0], pair[1], number)
            else:
                self.local_variable(line, number)
        if attributes:
            self.unused_attributes(attributes)

    def header(self) -> list[str]:
        """The first paragraph of comment lines at the top of the file (title, description)."""
        texts: list[str] = []
        for raw in self.lines:
            line = raw.strip()
            if line.startswith("#"):
                text = line.strip("#").strip()
                if text:
                    texts.append(text)
            elif line or texts:
                break
        return texts

    def pair(
        self, line: str, number: int, expected: str, separators: str
    ) -> tuple[str, str] | None:
        """``key=value`` split at the first separator; a warning and ``None`` otherwise.

        phd logged such lines and went on, so the import does too.
        """
        positions = [line.index(s) for s in separators if s in line]
        cut = min(positions) if positions else -1
        key, value = line[:cut].strip(), line[cut + 1 :].strip()
        if cut < 0 or not key:
            self.warn(f"expected {expected}, found {line!r}; the line is ignored", number)
            return None
        return key, value

    def local_variable(self, line: str, number: int) -> None:
        pair = self.pair(line, number, "key=value", "=")
        if pair is None:
            return
        key, value = pair
        if not VARIABLE_RE.match(key):
            self.warn(f"{key!r} is not a shell variable name; the line is ignored", number)
            return
        reason = reserved_reason(key)
        if reason is not None:
            raise self.error(f"LOCAL_VARIABLES name {key} {reason}", number)
        self.local_variables.append((key, _unquote(value)))

    def name_from_file(self) -> str:
        """The file's name made a scenario name: lower case, runs of other characters a dash.

        ``My Cluster.scenario`` and ``my_cluster.scenario`` are both ``my-cluster``, the
        name ``runbook plan`` and ``:requires:`` use (docs/reference/variables.md).
        """
        stem = Path(self.where.path).stem
        name = name_of_file(stem)
        if not NAME_RE.match(name):
            raise self.error(
                f"the file name {stem!r} gives no scenario name (lower-case letters, digits "
                "and dashes); rename the file",
                1,
            )
        return name

    def variable(self, line: str, number: int, comments: list[str]) -> None:
        if not VARIABLE_RE.match(line):
            raise self.error(f"{line!r} is not a variable name (one name a line)", number)
        first = next((v for v in self.variables if v.name == line), None)
        if first is not None:
            self.warn(
                f"variable {line} is declared twice (first at {first.location}); "
                "phd allowed it, the second is ignored",
                number,
            )
            return
        if line.startswith(PHD_ENV_PREFIX):
            self.warn(_phd_env_note(line), number)
            return
        reason = shell_control_reason(line)
        if reason is not None:
            self.warn(
                f"{line} {reason}: phd only checked that it was set, so it is not asked "
                "for here; remove the line",
                number,
            )
            return
        reason = reserved_reason(line)
        if reason is not None:
            raise self.error(f"variable name {line} {reason}", number)
        self.variables.append(
            Variable(
                name=line,
                description="\n".join(comments),
                secret=is_secret_name(line),
                location=self.where.at(number),
            )
        )

    def requirement(self, key: str, value: str, number: int) -> None:
        if key not in KNOWN_REQUIREMENTS:
            self.warn(f"unknown requirement {key!r} kept as information only", number)
        if key == "packages":
            for package in value.split():
                if not _PACKAGE_RE.match(package):
                    raise self.error(f"{package!r} is not a package name", number)
        self.requirements.append((key, value, number))

    def unused_attributes(self, attributes: dict[str, tuple[str, int]]) -> None:
        for key, (_value, line) in attributes.items():
            self.warn(f"{key}= is not followed by a '....' block; it is ignored", line)

    def block(
        self, opened: int, comments: list[str], attributes: dict[str, tuple[str, int]]
    ) -> int:
        """Read a block opened at line ``opened``; returns the line number that closes it."""
        target, expect_exit = ALL, 0
        for key, (value, line) in attributes.items():
            if key == "target":
                target = self.target(value, line)
            elif key == "require_exitcode":
                value = value.strip()
                if not value.isascii() or not value.isdigit() or int(value) > 255:
                    raise self.error(f"require_exitcode must be 0-255, not {value!r}", line)
                expect_exit = int(value)
            else:
                self.warn(f"unknown block attribute {key!r} is ignored", line)
        lines: list[str] = []
        for number in range(opened + 1, len(self.lines) + 1):
            raw = self.lines[number - 1]
            if raw.strip() == BLOCK_MARK:
                self.blocks.append(_Block(opened, lines, comments, target, expect_exit))
                return number
            if not raw.strip().startswith("#"):
                lines.append(raw)
        self.warn(
            "this '....' block is never closed (no second '....' line); phd ran it to the "
            "end of the file, and so does the import",
            opened,
        )
        self.blocks.append(_Block(opened, lines, comments, target, expect_exit))
        return len(self.lines)

    def target(self, text: str, line: int) -> Target:
        value = _unquote(text.strip())
        if not value:
            raise self.error(
                "target= needs a value: all, local, $PHD_ENV_nodesN or host names", line
            )
        if value == "all" or value in _ALL_NODES:
            return ALL
        if value == "local":
            return LOCAL
        node = _NODE_TARGET_RE.match(value)
        if node:
            index = int(node.group(1) or node.group(2))
            if index < 1:
                raise self.error("nodes are counted from 1 ($PHD_ENV_nodes1)", line)
            return Target("node", index=index)
        hosts = tuple(value.split())
        for host in hosts:
            if not _HOST_RE.match(host):
                raise self.error(
                    f"unknown target {host!r}: expected all, local, $PHD_ENV_nodesN or host names",
                    line,
                )
        return Target("host", hosts=hosts)

    # -- from blocks to steps ----------------------------------------------------------

    def steps(self, scenario: str) -> list[Step]:
        steps: list[Step] = []
        packages = [
            (value.split(), line) for key, value, line in self.requirements if key == "packages"
        ]
        names = [package for found, _ in packages for package in found]
        if names:
            steps.append(self.package_step(scenario, names, packages[0][1]))
        for number, block in enumerate(self.blocks, start=1):
            title = block.comments[0] if block.comments else f"Script block {number}"
            script = "\n".join(_trim_blank(block.lines))
            try:
                steps.append(
                    Step(
                        scenario=scenario,
                        index=len(steps) + 1,
                        title=title,
                        script=script,
                        target=block.target,
                        prose="\n".join(block.comments[1:]),
                        options=StepOptions(expect_exit=block.expect_exit),
                        location=self.where.at(block.opened),
                    )
                )
            except ValueError as error:
                raise self.error(str(error), block.opened) from None
        return steps

    def package_step(self, scenario: str, packages: list[str], line: int) -> Step:
        """REQUIREMENTS packages as a step: phd installed them before the first block."""
        names = " ".join(packages)
        check = (
            "test \"$(dpkg-query -W -f='${db:Status-Abbrev}\\n' "
            f"{names} 2>/dev/null | grep -c '^ii')\" -eq {len(packages)}"
        )
        return Step(
            scenario=scenario,
            index=1,
            title="Install the required packages",
            script=f"DEBIAN_FRONTEND=noninteractive apt-get install -y {names}",
            target=ALL,
            guard=check,
            verify=Verify(command=check, location=self.where.at(line)),
            prose="The packages this scenario's REQUIREMENTS name, on every node.",
            location=self.where.at(line),
        )

    def test_step(self, scenario: str, index: int, script: str, path: Path | None) -> Step:
        name = path.name if path is not None else f"{scenario}-test.sh"
        if not script.strip():
            raise ParseError(f"the test script {name} is empty", SourceLocation(str(path or name)))
        return Step(
            scenario=scenario,
            index=index,
            title="Run the scenario's test script",
            script=script.rstrip("\n"),
            target=ALL,
            prose=f"The checks kept beside the scenario in {name}, run on every node.",
            options=StepOptions(no_verify=f"this step is the scenario's test script ({name})"),
            location=SourceLocation(str(path), 1) if path is not None else self.where.at(1),
        )

    def check_variable_uses(self, steps: list[Step]) -> None:
        declared = {v.name for v in self.variables}
        for step in steps:
            for used in dict.fromkeys(_PHD_VAR_USE_RE.findall(step.script)):
                if used not in declared:
                    message = (
                        f"the script uses {used}, which VARIABLES does not declare; "
                        "it is empty unless a variables file sets it"
                    )
                    self.warnings.append(LegacyWarning(step.location or self.where, message))


def _phd_env_note(name: str) -> str:
    """What becomes of a ``PHD_ENV_*`` name declared in VARIABLES (phd filled them)."""
    if PLAN_ENV_RE.match(name):
        return f"{name} is set by the plan from the inventory, not asked for; remove the line"
    return (
        f"phd filled {name} from its cluster definition; here the inventory does: set "
        f"{name} in its variables for all hosts, or scripts see it empty"
    )


def _unquote(value: str) -> str:
    """One pair of matching surrounding quotes removed, as the shell would."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]
