"""The plan as text a person reads: ``runbook plan`` and the runner's ``--dry-run``.

Secret values print as ``********`` because :class:`Secret` formats that way; nothing
here unwraps one.
"""

from __future__ import annotations

import json

from runbook.model import Verify
from runbook.plan.model import Plan, PlannedStep, ResolvedValue

REQUIRED = "<required>"

_SOURCES = {"cli": "-e"}


def format_plan(plan: Plan) -> str:
    """The whole plan: scenario, hosts, variables and every step with its hosts."""
    scenario = plan.scenario
    lines = [f"scenario {scenario.name}: {scenario.title}"]
    lines += _field("source", f"{scenario.location or '-'} ({scenario.origin})")
    lines += _field("requires", ", ".join(scenario.requires) or "-")
    lines += _field("nodes", _nodes(plan))
    if plan.digest:
        lines += _field("digest", plan.digest)
    lines += ["", "variables"]
    lines += _variables(plan) or ["  (none)"]
    if scenario.local_variables:
        lines += ["", "local variables"]
        lines += [f"  {name}={value}" for name, value in scenario.local_variables]
    lines += ["", "steps"]
    for planned in plan.steps:
        lines += _step(plan, planned)
    return "\n".join(lines) + "\n"


def _field(name: str, value: str, indent: str = "  ") -> list[str]:
    return [f"{indent}{name + ':':<10}{value}"]


def _nodes(plan: Plan) -> str:
    scenario = plan.scenario
    group = f"group {scenario.hosts_role}" if scenario.hosts_role else "every inventory host"
    need = f"{group}, at least {scenario.min_nodes}"
    if plan.inventory is None:
        return f"{need} (no inventory given)"
    return f"{', '.join(plan.nodes) or '-'} ({need})"


def _variables(plan: Plan) -> list[str]:
    declared = [v.name for v in plan.scenario.variables]
    names = declared + sorted(set(plan.variables) - set(declared))
    width = max((len(name) for name in names), default=0)
    secret = {v.name for v in plan.scenario.variables if v.secret}
    return [
        f"  {name:<{width}} = {_value(plan.variables.get(name), name in secret)}" for name in names
    ]


def _value(resolved: ResolvedValue | None, secret: bool) -> str:
    if resolved is None:
        return f"{REQUIRED}  (secret)" if secret else REQUIRED
    text = str(resolved.value)
    if not text or text != text.strip() or "\n" in text:
        text = json.dumps(text, ensure_ascii=False)
    where = _SOURCES.get(resolved.source, resolved.source)
    if resolved.location is not None:
        where = f"{where}, {resolved.location}"
    return f"{text}  ({where})"


def _step(plan: Plan, planned: PlannedStep) -> list[str]:
    step = planned.step
    lines = ["", f"  {step.id}  {step.title}"]
    target = f"{step.target} ({step.target.describe()})"
    if plan.inventory is not None:
        target += " -> " + (", ".join(planned.hosts) or "-")
    lines += _field("target", target, "    ")
    if step.guard:
        lines += _field("unless", step.guard, "    ")
    lines += ["    script:"]
    lines += [f"      | {line}".rstrip() for line in step.script.splitlines()]
    if step.verify:
        lines += _field("verify", _verify(step.verify), "    ")
    elif step.options.no_verify:
        lines += _field("verify", f"none ({step.options.no_verify})", "    ")
    options = _options(planned)
    if options:
        lines += _field("options", options, "    ")
    lines += _field("source", f"{step.location or '-'}  #{step.anchor}", "    ")
    return lines


def _verify(verify: Verify) -> str:
    command = verify.command if "\n" not in verify.command else verify.command.replace("\n", "; ")
    details = [f"exit {verify.expect_exit}"]
    if verify.match is not None:
        details.append(f"output matches {verify.match}")
    if verify.retries:
        details.append(f"{verify.retries} retries, {verify.delay:g}s apart")
    if verify.timeout is not None:
        details.append(f"timeout {verify.timeout:g}s")
    return f"{command}  ({', '.join(details)})"


def _options(planned: PlannedStep) -> str:
    options = planned.step.options
    words = []
    if options.run_once:
        words.append("run once")
    if options.serial:
        words.append(f"serial {options.serial}")
    if options.sensitive:
        words.append("sensitive output")
    if options.expect_exit:
        words.append(f"script must exit {options.expect_exit}")
    if options.register:
        words.append(f"registers {options.register}")
    if options.copy_paths:
        source = planned.copy_from or str(options.copy_from)
        words.append(f"copies {' '.join(options.copy_paths)} from {source}")
    if options.shellcheck_disable:
        words.append(f"shellcheck off: {', '.join(options.shellcheck_disable)}")
    return "; ".join(words)
