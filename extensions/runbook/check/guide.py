"""The check itself: every scenario planned, its scripts linted, its playbooks syntax-checked.

Pure checks over the model and plan come first; then all shell text goes to one ``bash -n``
batch and one shellcheck call, and all playbooks to one ``ansible-playbook --syntax-check``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runbook.check.shell import Snippet, bash_errors, shellcheck
from runbook.errors import RunbookError
from runbook.export.view import SHELL_REFERENCE_RE
from runbook.model import (
    Problem,
    ProblemCode,
    Scenario,
    ScenarioGraph,
    Severity,
    SourceLocation,
    Step,
)
from runbook.parsing.shell_names import SHELL_VARIABLES, shell_names
from runbook.parsing.variables import references
from runbook.plan.model import Inventory

_CONTRACT = re.compile(r"^(RB_NODE\d+|PHD_ENV_nodes\d*|PHD_ENV_floating_ips\d*)$")
CONTRACT_NAMES = frozenset({"RB_NODES", "RB_NODE_COUNT", "RB_ADDRS", "RB_HOST", "RB_ADDRESS"})


def check_scenarios(
    scenarios: Mapping[str, Scenario],
    *,
    inventory: Inventory | None = None,
    variable_files: Sequence[Path] = (),
    root: Path,
    ansible: bool = True,
) -> list[Problem]:
    """Every problem found in ``scenarios`` (in guide order), sorted by where it is written."""
    graph = ScenarioGraph(scenarios)
    problems = graph.problems()
    snippets: list[Snippet] = []
    for scenario in scenarios.values():
        problems += _plan(scenario, inventory, variable_files)
        problems += _variables(scenario)
        problems += _verifications(scenario)
        snippets += _snippets(scenario)
    # The shell checks and the playbooks' syntax check are separate programs: run at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        shell = pool.submit(_shell, snippets)
        playbooks = (
            pool.submit(_ansible, scenarios, root)
            if ansible and scenarios and not graph.cycles()
            else None
        )
        problems += shell.result()
        if playbooks is not None:
            problems += playbooks.result()
    return sorted(problems, key=_order)


def _order(problem: Problem) -> tuple[str, int, str]:
    location = problem.location
    return (location.path if location else "", (location.line or 0) if location else 0, "")


def _plan(scenario: Scenario, inventory: Inventory | None, files: Sequence[Path]) -> list[Problem]:
    """Plan against the examples and build every step's environment on every host.

    Example files hold no secrets, so a secret without a value is expected; any other
    required variable without one means the examples are incomplete.
    """
    from runbook.plan.build import build_plan
    from runbook.plan.environment import step_environment

    try:
        plan = build_plan(scenario, inventory, files=files, require_values=False)
        for planned in plan.steps:
            for host in planned.hosts:
                step_environment(plan, planned, host)
    except (RunbookError, ValueError) as error:
        location = getattr(error, "location", None) or scenario.location
        message = getattr(error, "message", str(error))
        return [Problem(location, ProblemCode.PLAN, f"scenario {scenario.name}: {message}")]
    return [
        Problem(
            variable.location or scenario.location,
            ProblemCode.PLAN,
            f"scenario {scenario.name}: required variable {variable.name} has no value in the "
            "example inventory or variables; add one there",
        )
        for variable in scenario.variables
        if variable.required and not variable.secret and variable.name not in plan.variables
    ]


def _texts(step: Step) -> Iterable[tuple[str, str]]:
    """A step's shell texts with what they are called in messages."""
    if step.script.strip():
        yield "script", step.script
    if step.guard:
        yield "guard", step.guard
    if step.verify:
        yield "verification", step.verify.command


def _known(scenario: Scenario) -> set[str]:
    names = {v.name for v in scenario.variables} | {n for n, _ in scenario.local_variables}
    return names | CONTRACT_NAMES | SHELL_VARIABLES


def _variables(scenario: Scenario) -> list[Problem]:
    """Undefined uses in scripts, and declared variables nothing uses."""
    problems = []
    known = _known(scenario)
    mentioned: set[str] = set()
    for variable in scenario.variables:
        mentioned.update(references(variable.default or ""))
    for _name, value in scenario.local_variables:
        mentioned.update(m.group(1) or m.group(2) for m in SHELL_REFERENCE_RE.finditer(value))
    registered: set[str] = set()
    texts: list[tuple[Step | None, str, str]] = [
        (step, what, text) for step in scenario.steps for what, text in _texts(step)
    ]
    if scenario.verification_script:
        texts.append((None, "verification script", scenario.verification_script))
    for step, what, text in texts:
        names = shell_names(text)
        mentioned |= names.mentioned
        undefined = sorted(
            name
            for name in names.used - names.assigned - known - registered
            if not _CONTRACT.match(name)
        )
        where = step.location if step else scenario.location
        label = f"step {step.id}" if step else f"scenario {scenario.name}"
        for name in undefined:
            problems.append(
                Problem(
                    where,
                    ProblemCode.UNDEFINED_VARIABLE,
                    f"{label}: the {what} uses ${name}, which is not declared, registered, "
                    "part of the environment contract, or set in the script",
                    Severity.WARNING,
                )
            )
        if step is not None and step.options.register and what != "guard":
            registered.add(step.options.register)
    for variable in scenario.variables:
        if variable.name not in mentioned:
            problems.append(
                Problem(
                    variable.location or scenario.location,
                    ProblemCode.UNUSED_VARIABLE,
                    f"scenario {scenario.name}: variable {variable.name} is declared but no "
                    "script, guard, verification or default uses it",
                    Severity.WARNING,
                )
            )
    return problems


def _verifications(scenario: Scenario) -> list[Problem]:
    """Steps that prove nothing; a legacy file is proven by its test script, if it has one."""
    if scenario.origin == "legacy":
        if scenario.verification_script:
            return []
        return [
            Problem(
                scenario.location,
                ProblemCode.NO_VERIFY,
                f"legacy scenario {scenario.name} has no test script; put {scenario.name}-test.sh "
                "beside it, or name one with :test-script:",
                Severity.WARNING,
            )
        ]
    return [
        Problem(
            step.location,
            ProblemCode.NO_VERIFY,
            f"step {step.id} ({step.title}) has no verification; add one, or say why with "
            ":no-verify: REASON",
            Severity.WARNING,
        )
        for step in scenario.steps
        if step.verify is None and step.options.no_verify is None
    ]


def _snippets(scenario: Scenario) -> list[Snippet]:
    snippets = [
        Snippet((step, what), text, step.options.shellcheck_disable)
        for step in scenario.steps
        for what, text in _texts(step)
    ]
    if scenario.verification_script:
        snippets.append(Snippet((scenario, "verification script"), scenario.verification_script))
    return snippets


def _describe(key: object, line: int) -> tuple[SourceLocation | None, str]:
    """Where line ``line`` of the snippet with this key (see :func:`_snippets`) is written,
    and a label: the page's own line when the model knows where the text starts."""
    match key:
        case (Step() as step, str(what)):
            first = {"script": step.script_line, "guard": step.guard_line}.get(what)
            if what == "verification" and step.verify is not None:
                first = step.verify.command_line
                where = step.verify.location or step.location
            else:
                where = step.location
            return _at(where, first, line), f"step {step.id}: the {what}"
        case (Scenario() as scenario, str(what)):
            return scenario.location, f"scenario {scenario.name}: the {what}, line {line}"
    raise TypeError(f"not a snippet key of this module: {key!r}")


def _at(where: SourceLocation | None, first: int | None, line: int) -> SourceLocation | None:
    if where is None or first is None:
        return where
    return where.at(first + line - 1)


def _shell(snippets: list[Snippet]) -> list[Problem]:
    """bash -n's and shellcheck's findings, each once, at the page's line.

    A snippet bash rejects is reported by bash alone: shellcheck's findings about the same
    broken text would repeat one mistake several times.
    """
    problems = []
    # bash names the line after the last one for an unfinished text (a missing fi).
    lengths = {snippet.key: max(1, len(snippet.text.splitlines())) for snippet in snippets}
    rejected = bash_errors(snippets)
    for key, error in rejected.items():
        location, label = _describe(key, min(error.line, lengths[key]))
        problems.append(
            Problem(location, ProblemCode.BASH_SYNTAX, f"{label}: {error.message} (bash -n)")
        )
    for finding in shellcheck(snippets):
        if finding.key in rejected:
            continue
        location, label = _describe(finding.key, finding.line)
        problems.append(
            Problem(
                location,
                ProblemCode.SHELLCHECK,
                f"{label}: {finding.code} ({finding.level}): {finding.message} "
                f"(see https://www.shellcheck.net/wiki/{finding.code}; silence with "
                f":shellcheck-disable: {finding.code})",
                Severity.WARNING,
            )
        )
    return problems


def ansible_syntax(directory: Path) -> str | None:
    """``ansible-playbook --syntax-check`` of ``directory/site.yml``: its complaint, or None."""
    program = Path(sys.executable).parent / "ansible-playbook"
    with tempfile.TemporaryDirectory(prefix="runbook-ansible-home-") as home:
        environment = dict(
            os.environ,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_LOCALHOST_WARNING="False",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
            ANSIBLE_HOME=home,
        )
        result = subprocess.run(
            [str(program), "-i", "localhost,", "--syntax-check", "site.yml"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            env=environment,
        )
    if result.returncode == 0:
        return None
    return (result.stdout + result.stderr).strip()


def _ansible(scenarios: Mapping[str, Scenario], root: Path) -> list[Problem]:
    """The syntax check on the exported playbooks, all at once through ``site.yml``."""
    from runbook.export.writer import generate, write

    with tempfile.TemporaryDirectory(prefix="runbook-ansible-") as directory:
        write(generate(scenarios, root), Path(directory))
        output = ansible_syntax(Path(directory))
        if output is None:
            return []
        output = output.replace(directory + "/", "runbooks/")
    named = [s for s in scenarios.values() if f"runbooks/{s.name}.yml" in output]
    location = named[0].location if named else None
    return [Problem(location, ProblemCode.ANSIBLE_SYNTAX, output)]


def check_guide(
    docs_dir: Path,
    *,
    inventory: Inventory | None = None,
    variable_files: Sequence[Path] = (),
    root: Path,
    ansible: bool = True,
    cache: bool = False,
) -> list[Problem]:
    """The check over the guide in ``docs_dir``, read on the command's fast path.

    ``cache``: take unchanged pages from the page cache (the same scenarios and problems).
    """
    from runbook.docutils_.loader import load_guide

    guide = load_guide(docs_dir, cache=cache)
    # check_scenarios asks the same scenario graph; its problems are reported once
    problems = [problem for problem in guide.problems if problem.code is not ProblemCode.REQUIRES]
    problems += check_scenarios(
        guide.scenarios,
        inventory=inventory,
        variable_files=variable_files,
        root=root,
        ansible=ansible,
    )
    return sorted(problems, key=_order)
