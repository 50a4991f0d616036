"""Digests that tell whether a step is still the one a journal recorded, and name inventories.

The plan's own digest, the one ``runbook plan`` shows and the journal records with each
run, is :func:`runbook.plan.serialize.plan_digest`; there is no other.

A step's fingerprint covers what changes its effect: script, guard, verification, target,
options, the hosts it runs on, and the plan's non-secret variable values. It leaves out
prose and line numbers, so editing the guide's text around a step does not invalidate a
journal. Secret values are never hashed (a journal must not let anyone test guesses).
"""

from __future__ import annotations

import hashlib
import json

from runbook.model import Secret
from runbook.plan.model import Inventory, Plan, PlannedStep


def _digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def variables_digest(plan: Plan) -> str:
    values = {
        name: None if isinstance(resolved.value, Secret) else resolved.value
        for name, resolved in plan.variables.items()
    }
    return _digest(values)


def step_fingerprint(planned: PlannedStep, variables: str) -> str:
    step = planned.step
    verify = step.verify
    options = step.options
    return _digest(
        {
            "script": step.script,
            "guard": step.guard,
            "verify": None
            if verify is None
            else [
                verify.command,
                verify.expect_exit,
                verify.match,
                verify.retries,
                verify.delay,
                verify.timeout,
            ],
            "target": str(step.target),
            "options": [
                options.run_once,
                options.serial,
                options.sensitive,
                options.expect_exit,
                options.register,
                list(options.copy_paths),
                str(options.copy_from) if options.copy_from else None,
            ],
            "hosts": list(planned.hosts),
            "variables": variables,
        }
    )[:16]


def plan_fingerprints(plan: Plan) -> tuple[str, ...]:
    """One fingerprint per planned step, in plan order."""
    variables = variables_digest(plan)
    return tuple(step_fingerprint(planned, variables) for planned in plan.steps)


def inventory_key(inventory: Inventory | None) -> str:
    """Names one inventory across runs: its hosts' names, addresses, ports and users."""
    if inventory is None:
        return "local"
    hosts = [[h.name, h.address, h.port, h.user] for h in inventory.hosts]
    return _digest(hosts)[:12]


def inventory_name(inventory: Inventory | None) -> str:
    """Names one inventory for people: ``testbed NAME`` for a testbed's, else where it came from.

    The testbed writes its name into its inventory (``runbook_testbed``); any other
    inventory is named by the file given with ``-i`` (as given) or by ``--hosts``.
    """
    if inventory is None:
        return "local"
    testbed = inventory.vars.get("runbook_testbed")
    if isinstance(testbed, str) and testbed:
        return f"testbed {testbed}"
    if inventory.location is None:
        return "given"
    if inventory.location.path == "--hosts":
        return "hosts given with --hosts"
    return inventory.location.path
