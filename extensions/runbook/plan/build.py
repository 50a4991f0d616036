"""``build_plan``: a scenario, an inventory and variables checked and resolved, before any
connection.

Every problem is collected and reported at once in one PlanError (``path:line: problem``
a line), so an operator fixes an inventory or a variables file in one pass.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

from runbook.errors import ParseError, PlanError
from runbook.model import Problem, ProblemCode, Scenario
from runbook.model.names import reserved_reason
from runbook.plan.environment import host_values
from runbook.plan.model import LOCAL_HOST, Inventory, Plan, ResolvedValue
from runbook.plan.resolve import plan_steps
from runbook.plan.serialize import plan_digest
from runbook.plan.variables import (
    cli_layer,
    inventory_layer,
    load_variables_file,
    missing_required,
    resolve,
)


def build_plan(
    scenario: Scenario,
    inventory: Inventory | None = None,
    files: Iterable[Path | str] = (),
    cli_vars: Mapping[str, str] | None = None,
    *,
    require_values: bool | None = None,
) -> Plan:
    """The plan of ``scenario``; PlanError listing every problem when it cannot be made.

    ``files`` are YAML variables files (lowest precedence first), ``cli_vars`` the
    ``-e key=value`` pairs. A required variable without a value is a problem when
    ``require_values`` is true, which by default it is exactly when an inventory is
    given (a plan to run); without one the plan shows such variables as required.
    """
    problems: list[Problem] = []
    legacy = scenario.origin == "legacy"
    declared = {variable.name for variable in scenario.variables}
    layers: list[Mapping[str, ResolvedValue]] = []
    unread_files = False
    for path in files:
        try:
            layers.append(load_variables_file(Path(path), legacy=legacy, names=declared))
        except ParseError as error:
            problems.append(Problem(error.location, ProblemCode.PLAN, error.message))
            unread_files = True
    if inventory is not None:
        layers.append(inventory_layer(scenario, inventory.vars, inventory.location))
    layers.append(cli_layer(scenario, cli_vars or {}))
    problems += _reserved_names(scenario)
    values, value_problems = resolve(scenario, layers)
    problems += value_problems
    steps, nodes, target_problems = plan_steps(scenario, inventory)
    problems += target_problems
    plan = Plan(scenario=scenario, steps=steps, variables=values, inventory=inventory, nodes=nodes)
    if require_values is None:
        require_values = inventory is not None
    # A file that could not be read may hold the missing values: don't claim they are missing.
    if require_values and not unread_files:
        problems += _missing(plan)
    if problems:
        raise PlanError.of(problems)
    return dataclasses.replace(plan, digest=plan_digest(plan))


def _reserved_names(scenario: Scenario) -> list[Problem]:
    """Declared and registered names that the plan sets itself or that steer the shell."""
    problems: list[Problem] = []
    for variable in scenario.variables:
        reason = reserved_reason(variable.name)
        if reason is not None:
            message = f"variable name {variable.name} {reason}"
            problems.append(Problem(variable.location, ProblemCode.PLAN, message))
    for step in scenario.steps:
        register = step.options.register
        reason = reserved_reason(register) if register is not None else None
        if reason is not None:
            message = f"step {step.id}: register name {register} {reason}"
            problems.append(Problem(step.location, ProblemCode.PLAN, message))
    return problems


def _missing(plan: Plan) -> list[Problem]:
    """Required variables some host would run without (host variables may supply them)."""
    hosts = sorted({host for planned in plan.steps for host in planned.hosts})
    problems: list[Problem] = []
    for name in missing_required(plan.scenario, plan.variables):
        lacking = [host for host in hosts if name not in host_values(plan, host)]
        if hosts and not lacking:
            continue
        variable = plan.scenario.variable(name)
        where = ""
        if lacking == [LOCAL_HOST]:
            where = " for 'local' steps (host variables do not reach the control host)"
        elif len(lacking) < len(hosts):
            where = f" on {', '.join(lacking)}"
        problems.append(
            Problem(
                variable.location if variable else plan.scenario.location,
                ProblemCode.PLAN,
                f"required variable {name} has no value{where}; set it in a variables file, "
                f"the inventory, or with -e {name}=VALUE",
            )
        )
    return problems
