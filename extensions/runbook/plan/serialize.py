"""The plan as JSON-ready data, following extensions/runbook/schema/plan.schema.json.

One shape for ``runbook plan --format json``, the JSON export and the plan digest: what
a tool outside the project may rely on. Secrets appear only as ``********``. Keys and
lists come out in a fixed order, so the same plan always gives the same text.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from runbook.model import MASK, Scenario, Secret, SourceLocation, Step, Verify
from runbook.plan.model import Inventory, Plan, PlannedStep, ResolvedValue

SCHEMA_VERSION = 1
#: The JSON Schema (draft 2020-12) that every ``plan_to_dict`` result validates against.
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "plan.schema.json"


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as plain data (``json.dumps`` ready), secrets masked."""
    return {
        "schema_version": SCHEMA_VERSION,
        "digest": plan.digest,
        "scenario": scenario_to_dict(plan.scenario),
        "inventory": inventory_to_dict(plan.inventory) if plan.inventory else None,
        "nodes": list(plan.nodes),
        "variables": variables_to_list(plan),
        "steps": [step_to_dict(planned) for planned in plan.steps],
    }


def plan_digest(plan: Plan) -> str:
    """A stable sha256 of what the plan would execute, and where.

    It covers each step's script, target, hosts, guard, verification and options, the
    scenario's nodes and a legacy file's LOCAL_VARIABLES; not titles, prose, source lines
    or any variable's value (secrets never enter a digest). It is the one plan digest:
    ``runbook plan`` shows it and the runner's journal records it with each run. Whether
    a step changed since it ran is told by the step fingerprints the journal also keeps
    (:mod:`runbook.execution.fingerprint`), which do follow variable values.
    """
    content = {
        "scenario": plan.scenario.name,
        "nodes": list(plan.nodes),
        "local_variables": [list(pair) for pair in plan.scenario.local_variables],
        "steps": [
            {"id": planned.step.id, **step_content(planned.step), "hosts": list(planned.hosts)}
            | {"copy_from": planned.copy_from}
            for planned in plan.steps
        ],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def location_to_dict(location: SourceLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"path": location.path, "line": location.line}


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "title": scenario.title,
        "description": scenario.description,
        "requires": list(scenario.requires),
        "origin": scenario.origin,
        "source": location_to_dict(scenario.location),
        "docname": scenario.docname,
        "hosts_role": scenario.hosts_role,
        "roles": list(scenario.roles),
        "min_nodes": scenario.min_nodes,
        "local_variables": [
            {"name": name, "value": value} for name, value in scenario.local_variables
        ],
        "verification_script": scenario.verification_script,
    }


def inventory_to_dict(inventory: Inventory) -> dict[str, Any]:
    return {
        "source": str(inventory.location) if inventory.location else None,
        "hosts": [
            {
                "name": host.name,
                "address": host.address,
                "user": host.user,
                "port": host.port,
                "key_file": host.key_file,
                "known_hosts": host.known_hosts,
                "groups": list(host.groups),
            }
            for host in inventory.hosts
        ],
        "groups": {name: list(hosts) for name, hosts in inventory.groups.items()},
        "floating_ips": list(inventory.floating_ips),
    }


def variables_to_list(plan: Plan) -> list[dict[str, Any]]:
    """Declared variables in declaration order, then other values a legacy file exports."""
    entries = []
    for variable in plan.scenario.variables:
        resolved = plan.variables.get(variable.name)
        entries.append(
            _variable_entry(
                variable.name, resolved, variable.description, variable.secret, declared=True
            )
            | {"required": variable.required, "declared_at": location_to_dict(variable.location)}
        )
    declared = {variable.name for variable in plan.scenario.variables}
    for name in sorted(set(plan.variables) - declared):
        resolved = plan.variables[name]
        entries.append(
            _variable_entry(name, resolved, "", isinstance(resolved.value, Secret), declared=False)
            | {"required": False, "declared_at": None}
        )
    return entries


def _variable_entry(
    name: str, resolved: ResolvedValue | None, description: str, secret: bool, *, declared: bool
) -> dict[str, Any]:
    secret = secret or (resolved is not None and isinstance(resolved.value, Secret))
    value = None
    if resolved is not None:
        value = MASK if secret else str(resolved.value)
    return {
        "name": name,
        "description": description,
        "declared": declared,
        "secret": secret,
        "value": value,
        "source": resolved.source if resolved else None,
        "set_at": location_to_dict(resolved.location) if resolved else None,
    }


def step_to_dict(planned: PlannedStep) -> dict[str, Any]:
    step = planned.step
    return {
        "id": step.id,
        "index": step.index,
        "title": step.title,
        "slug": step.slug,
        "anchor": step.anchor,
        **step_content(step),
        "target": {"text": str(step.target), "description": step.target.describe()},
        "hosts": list(planned.hosts),
        "copy_from_host": planned.copy_from,
        "source": location_to_dict(step.location),
        "prose": step.prose,
        "troubleshooting": step.troubleshooting,
    }


def step_content(step: Step) -> dict[str, Any]:
    """What a step executes: the part of a step that the digest covers."""
    options = step.options
    return {
        "target": str(step.target),
        "script": step.script,
        "guard": step.guard,
        "verify": verify_to_dict(step.verify) if step.verify else None,
        "options": {
            "run_once": options.run_once,
            "serial": options.serial,
            "sensitive": options.sensitive,
            "expect_exit": options.expect_exit,
            "register": options.register,
            "no_verify": options.no_verify,
            "shellcheck_disable": list(options.shellcheck_disable),
            "copy_paths": list(options.copy_paths),
            "copy_from": str(options.copy_from) if options.copy_from else None,
        },
    }


def verify_to_dict(verify: Verify) -> dict[str, Any]:
    return {
        "command": verify.command,
        "expect_exit": verify.expect_exit,
        "match": verify.match,
        "retries": verify.retries,
        "delay": verify.delay,
        "timeout": verify.timeout,
    }
