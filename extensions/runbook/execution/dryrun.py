"""``--dry-run``: the plan as it would run, per step and host, variables resolved, no connection.

This is the plan printed, not a run through a do-nothing transport: a fake transport
would have to invent exit statuses for guards and verifications, and whatever it chose
would be a lie about the hosts (``--check`` asks the hosts instead).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from runbook.execution.shell import quote
from runbook.model import Value
from runbook.plan.model import Plan, PlannedStep

Environment = Callable[[Plan, PlannedStep, str, Mapping[str, Value]], dict[str, Value]]


def _export(name: str, value: Value) -> str:
    return f"export {name}={quote(str(value))}"  # str() of a Secret is the mask


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line for line in text.rstrip("\n").splitlines()]


def render_dry_run(plan: Plan, steps: Sequence[PlannedStep], environment: Environment) -> str:
    scenario = plan.scenario
    lines = [f"# dry run of {scenario.name} ({scenario.title}): no host is contacted"]
    lines.append(f"# hosts: {', '.join(plan.nodes) or 'none'}")
    lines.append("# variables (secrets masked):")
    for name, resolved in plan.variables.items():
        lines.append(f"{_export(name, resolved.value)}  # from {resolved.source}")
    for planned in steps:
        step = planned.step
        lines.append("")
        where = f"  [{step.location}]" if step.location else ""
        lines.append(f"## {step.id} {step.title}{where}")
        hosts = planned.hosts[:1] if step.options.run_once else planned.hosts
        details = [f"target: {step.target} -> {', '.join(hosts) or 'no host'}"]
        if step.options.serial:
            details.append(f"serial {step.options.serial}")
        if step.options.run_once:
            details.append("run once")
        if step.options.sensitive:
            details.append("sensitive (output hidden)")
        if step.options.register:
            details.append(f"registers {step.options.register}")
        lines.append("  " + "; ".join(details))
        if step.guard:
            lines.append("  unless (exit 0 = already done, skip):")
            lines += _indent(step.guard)
        if step.options.copy_paths:
            source = step.options.copy_from
            lines.append(f"  copy from {source}: {' '.join(step.options.copy_paths)}")
        if step.script.strip():
            expect = step.options.expect_exit
            lines.append("  script" + (f" (must exit {expect})" if expect else "") + ":")
            lines += _indent(step.script)
        if step.verify is not None:
            verify = step.verify
            how = [f"{verify.retries} retries, {verify.delay:g}s apart"]
            if verify.timeout is not None:
                how.append(f"timeout {verify.timeout:g}s")
            if verify.match:
                how.append(f"output must match {verify.match!r}")
            if verify.expect_exit:
                how.append(f"must exit {verify.expect_exit}")
            lines.append(f"  verify ({', '.join(how)}):")
            lines += _indent(verify.command)
        for host in hosts:
            env = environment(plan, planned, host, {})
            extra = {
                name: value
                for name, value in env.items()
                if name not in plan.variables or str(plan.variables[name].value) != str(value)
            }
            lines.append(f"  on {host}:")
            lines += [f"    {_export(name, value)}" for name, value in extra.items()]
    return "\n".join(lines) + "\n"
