"""Variable values: variables files, ``-e key=value``, precedence and ``${name}`` defaults.

Precedence, lowest first (docs/reference/variables.md is the operator's page):
scenario default < variables files, in the order given < inventory variables (``all``
vars, then group and host variables for the host a step runs on) < ``-e key=value``.

Values from files, the inventory and ``-e`` are taken literally; only a scenario's own
defaults expand ``${name}`` (:mod:`runbook.parsing.variables`). A declared secret, or a
default built from one, is wrapped in :class:`Secret` here, before anything can print it.

Legacy phd scenarios name their variables ``PHD_VAR_*``: for them a variables file's
nested keys are flattened with ``_`` and prefixed (``network: {domain: x}`` gives
``PHD_VAR_network_domain``), ``-e network_domain=x`` means ``PHD_VAR_network_domain``,
and every such value is exported, declared in the file's VARIABLES or not.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from runbook.errors import ParseError
from runbook.model import Problem, ProblemCode, Scenario, Secret, SourceLocation, Value, reveal
from runbook.model.scenario import VARIABLE_RE
from runbook.parsing.legacy import is_secret_name
from runbook.parsing.phdvars import parse_phd_variables
from runbook.parsing.variables import expand, expansion_order, references
from runbook.plan.model import ResolvedValue
from runbook.plan.yamlfile import YamlList, YamlMap, line_of, load_yaml, parse_yaml, read_text

LEGACY_PREFIX = "PHD_VAR_"
#: The suffix of phd's own variables files, read the way phd read them.
PHD_SUFFIX = ".variables"
_PHD_REFERENCE_RE = re.compile(r"\$\{(PHD_VAR_[A-Za-z0-9_]+)\}|\$(PHD_VAR_[A-Za-z0-9_]+)")


def legacy_name(name: str) -> str:
    """The ``PHD_VAR_`` name a legacy scenario reads ``name`` under."""
    return name if name.startswith(LEGACY_PREFIX) else LEGACY_PREFIX + name


def load_variables_file(
    path: Path, *, legacy: bool = False, names: Collection[str] | None = None
) -> dict[str, ResolvedValue]:
    """The values a variables file sets, each with the ``file:line`` it is set at.

    A file named ``*.variables`` is phd's own format (:mod:`runbook.parsing.phdvars`);
    any other is YAML. For a native scenario, ``names`` (its declared variables) limits
    what is read and checked: a file shared by several scenarios may hold values, even
    mappings, that this one never reads. Legacy files are read whole: phd exported every
    value.
    """
    if path.suffix == PHD_SUFFIX:
        text = read_text(path, f"variables file -e {path}")
        return phd_variables(text, str(path), legacy=legacy, names=names)
    data = load_yaml(path, f"variables file -e {path}")
    return variables_from_data(data, str(path), legacy=legacy, names=names)


def phd_variables(
    text: str, path: str, *, legacy: bool, names: Collection[str] | None = None
) -> dict[str, ResolvedValue]:
    """The values of a phd ``.variables`` file's text; a later value of a name wins, as in phd."""
    where = SourceLocation(path)
    items = parse_phd_variables(text)
    raw = {legacy_name(item.name): item.value for item in items}
    expanded: dict[str, str] = {}
    found: dict[str, ResolvedValue] = {}
    for item in items:
        # phd's generated scripts exported these with the shell, which replaced a
        # ${PHD_VAR_x} in a value by the file's own value of x; nothing else is replaced.
        value = _PHD_REFERENCE_RE.sub(
            lambda match: expanded.get(match[1] or match[2], raw.get(match[1] or match[2], "")),
            item.value,
        )
        expanded[legacy_name(item.name)] = value
        name = legacy_name(item.name) if legacy else item.name
        if not legacy and names is not None and name not in names:
            continue
        if not VARIABLE_RE.match(name):
            continue
        found[name] = ResolvedValue(value, "file", where.at(item.line))
    return found


def parse_variables(
    text: str, path: str, *, legacy: bool = False, names: Collection[str] | None = None
) -> dict[str, ResolvedValue]:
    """:func:`load_variables_file` for text already read."""
    return variables_from_data(parse_yaml(text, path), path, legacy=legacy, names=names)


def variables_from_data(
    data: object, path: str, *, legacy: bool, names: Collection[str] | None = None
) -> dict[str, ResolvedValue]:
    where = SourceLocation(path)
    if data is None:
        return {}
    if not isinstance(data, YamlMap):
        raise ParseError(
            "a variables file is a mapping of names to values (name: value)", where.at(1)
        )
    found: dict[str, ResolvedValue] = {}
    for key, value in data.items():
        line = line_of(data, key)
        if legacy:
            _flatten(legacy_name(key), value, where.at(line), found)
        elif names is None or key in names:
            _set(found, key, _scalar(key, value, where.at(line), legacy=False), where.at(line))
    return found


def _flatten(
    name: str, value: object, location: SourceLocation, found: dict[str, ResolvedValue]
) -> None:
    if isinstance(value, YamlMap):
        for key, inner in value.items():
            _flatten(f"{name}_{key}", inner, location.at(line_of(value, key)), found)
        return
    _set(found, name, _scalar(name, value, location, legacy=True), location)


def _scalar(name: str, value: object, location: SourceLocation, *, legacy: bool) -> str:
    """A value as the text a script sees: lists of plain values joined by spaces."""
    if isinstance(value, YamlList):
        words = [item for item in value if isinstance(item, str)]
        if len(words) == len(value):
            return " ".join(words)
    if isinstance(value, str):
        return value
    if value is None:
        raise ParseError(f"{name} has no value; write '' for an empty one", location)
    kind = "a mapping" if isinstance(value, YamlMap) else "a list of lists or mappings"
    hint = "" if legacy else "; only legacy scenarios flatten nested keys"
    raise ParseError(
        f"{name} is {kind}; a variable holds one value (text, a number, true/false, "
        f"or a list of those){hint}",
        location,
    )


def _set(found: dict[str, ResolvedValue], name: str, text: str, location: SourceLocation) -> None:
    if not VARIABLE_RE.match(name):
        raise ParseError(
            f"{name!r} is not a variable name (letters, digits and _, not first a digit)",
            location,
        )
    if name in found:
        raise ParseError(f"{name} is set twice (also at {found[name].location})", location)
    found[name] = ResolvedValue(text, "file", location)


def parse_cli_var(text: str) -> tuple[str, str]:
    """``key=value`` from ``-e``; ValueError with a readable message otherwise."""
    name, equals, value = text.partition("=")
    name = name.strip()
    if not equals:
        raise ValueError(f"-e {text!r}: expected key=value or a variables file")
    if not VARIABLE_RE.match(name):
        raise ValueError(f"-e {text!r}: {name!r} is not a variable name")
    if "\0" in value:
        raise ValueError(f"-e {name}: the value contains a NUL byte")
    return name, value


def is_cli_assignment(text: str) -> bool:
    """Whether an ``-e`` argument is ``key=value`` (else it names a variables file)."""
    name, equals, _ = text.partition("=")
    return bool(equals) and VARIABLE_RE.match(name.strip()) is not None


def inventory_layer(
    scenario: Scenario, values: Mapping[str, Value], location: SourceLocation | None
) -> dict[str, ResolvedValue]:
    """The inventory variables that can set this scenario's variables."""
    if scenario.origin == "legacy":
        names = [name for name in values if name.startswith(LEGACY_PREFIX)]
    else:
        names = [v.name for v in scenario.variables if v.name in values]
    return {name: ResolvedValue(values[name], "inventory", location) for name in names}


def cli_layer(scenario: Scenario, cli_vars: Mapping[str, str]) -> dict[str, ResolvedValue]:
    """``-e key=value`` values under the names this scenario reads them by."""
    layer: dict[str, ResolvedValue] = {}
    for name, value in cli_vars.items():
        if scenario.origin == "legacy":
            name = legacy_name(name)
        layer[name] = ResolvedValue(value, "cli", None)
    return layer


def resolve(
    scenario: Scenario, layers: Sequence[Mapping[str, ResolvedValue]]
) -> tuple[dict[str, ResolvedValue], list[Problem]]:
    """Every variable's winning value, and the problems that keep others from having one.

    ``layers`` go from lowest to highest precedence. A required variable without a value
    is left out of the result (the caller decides whether that is an error); so is a
    default that refers to such a variable.
    """
    problems: list[Problem] = []
    winners: dict[str, ResolvedValue] = {}
    for layer in layers:
        for name, resolved in layer.items():
            if "\0" in reveal(resolved.value):
                message = f"the value of {name} contains a NUL byte"
                problems.append(Problem(resolved.location, ProblemCode.PLAN, message))
            else:
                winners[name] = resolved
    declared = {v.name: v for v in scenario.variables}
    result: dict[str, ResolvedValue] = {}
    for name, resolved in winners.items():
        if name in declared:
            result[name] = _masked(resolved, declared[name].secret)
        elif scenario.origin == "legacy" and name.startswith(LEGACY_PREFIX):
            result[name] = _masked(resolved, is_secret_name(name))
    expandable: set[str] = set()
    for variable in scenario.variables:
        unknown = [ref for ref in references(variable.default or "") if ref not in declared]
        for ref in unknown:
            message = f"the default of {variable.name} refers to an undeclared variable ${{{ref}}}"
            problems.append(Problem(variable.location, ProblemCode.PLAN, message))
        if variable.name not in winners and variable.default is not None and not unknown:
            expandable.add(variable.name)
    defaults = {name: declared[name].default if name in expandable else None for name in declared}
    try:
        order = expansion_order(defaults)
    except ValueError as error:
        return result, [*problems, Problem(scenario.location, ProblemCode.PLAN, str(error))]
    for name in order:
        default = declared[name].default
        if name not in expandable or default is None:
            continue
        if any(ref not in result for ref in references(default)):
            continue
        value = expand(default, {ref: result[ref].value for ref in references(default)})
        resolved = ResolvedValue(value, "default", declared[name].location)
        result[name] = _masked(resolved, declared[name].secret)
    return result, problems


def _masked(resolved: ResolvedValue, secret: bool) -> ResolvedValue:
    if secret and not isinstance(resolved.value, Secret):
        return ResolvedValue(Secret(resolved.value), resolved.source, resolved.location)
    return resolved


def missing_required(scenario: Scenario, values: Mapping[str, ResolvedValue]) -> list[str]:
    """Names of required variables with no value (in declaration order)."""
    return [v.name for v in scenario.variables if v.required and v.name not in values]


def split_extra_vars(items: Sequence[str]) -> tuple[list[Path], dict[str, str]]:
    """``-e`` arguments as (variables files, key=value pairs), both in the order given.

    An argument is ``key=value`` when the text before its first ``=`` is a variable name;
    anything else names a variables file (``@file.yml`` works too, as in Ansible).
    ValueError for a value with a NUL byte.
    """
    files: list[Path] = []
    pairs: dict[str, str] = {}
    for item in items:
        if is_cli_assignment(item):
            name, value = parse_cli_var(item)
            pairs[name] = value
        else:
            files.append(Path(item.removeprefix("@")))
    return files, pairs
