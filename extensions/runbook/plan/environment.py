"""The environment a step's script sees on one host (the contract in :mod:`runbook.plan.model`).

Built from the plan alone, so the runner, the dry-run and the exporters agree on it.
Layers, later ones winning: the scenario's variables (with the host's own inventory
variables applied), a legacy file's LOCAL_VARIABLES, values ``register`` captured, and
the reserved ``RB_*`` / ``PHD_ENV_*`` names (:mod:`runbook.model.names`), which nothing
can shadow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from runbook.model import Secret, Value, reveal
from runbook.parsing.legacy import PLAN_ENV_RE
from runbook.plan.model import LOCAL_HOST, Plan, PlannedStep, ResolvedValue
from runbook.plan.variables import inventory_layer, resolve

#: The address ``RB_ADDRESS`` gives for the control host (target ``local``).
LOCAL_ADDRESS = "127.0.0.1"

_REFERENCE_RE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


def host_values(plan: Plan, host_name: str) -> dict[str, ResolvedValue]:
    """The plan's variables as they are on ``host_name``: its inventory variables applied.

    Host and group variables rank above ``all`` vars and variables files and below
    ``-e``; defaults that refer to a variable are expanded again with the host's value.
    """
    inventory = plan.inventory
    if inventory is None or host_name == LOCAL_HOST:
        return dict(plan.variables)
    host = inventory.host(host_name)
    lower = {n: v for n, v in plan.variables.items() if v.source in ("file", "inventory")}
    higher = {n: v for n, v in plan.variables.items() if v.source in ("cli", "register")}
    own = inventory_layer(plan.scenario, host.vars, host.location)
    values, _problems = resolve(plan.scenario, [lower, own, higher])
    return values


def step_environment(
    plan: Plan,
    planned_step: PlannedStep,
    host_name: str,
    registered: Mapping[str, Value] | None = None,
) -> dict[str, Value]:
    """Every exported variable for ``planned_step`` on ``host_name`` (secrets stay Secret)."""
    if plan.inventory is not None and host_name != LOCAL_HOST:
        try:
            plan.inventory.host(host_name)
        except KeyError:
            raise ValueError(f"{host_name!r} is not a host of this plan's inventory") from None
    values = host_values(plan, host_name)
    declared = [v.name for v in plan.scenario.variables if v.name in values]
    others = sorted(set(values) - set(declared))
    environment: dict[str, Value] = {name: values[name].value for name in declared + others}
    reserved = _reserved(plan, host_name)
    if plan.scenario.origin == "legacy":
        context = {**environment, **reserved}
        for name, text in plan.scenario.local_variables:
            environment[name] = _expand_shell_style(text, context)
            context[name] = environment[name]
    environment.update(registered or {})
    environment.update(reserved)
    return environment


def _reserved(plan: Plan, host_name: str) -> dict[str, Value]:
    nodes = plan.nodes
    inventory = plan.inventory
    addresses = [inventory.host(name).address for name in nodes] if inventory else []
    if host_name == LOCAL_HOST:
        address = LOCAL_ADDRESS
    elif inventory is not None:
        address = inventory.host(host_name).address
    else:
        address = host_name
    values: dict[str, Value] = {
        "RB_NODES": " ".join(nodes),
        "RB_NODE_COUNT": str(len(nodes)),
        **{f"RB_NODE{number}": name for number, name in enumerate(nodes, start=1)},
        "RB_ADDRS": " ".join(addresses),
        "RB_HOST": host_name,
        "RB_ADDRESS": address,
    }
    if plan.scenario.origin == "legacy":
        values["PHD_ENV_nodes"] = " ".join(nodes)
        for number, name in enumerate(nodes, start=1):
            values[f"PHD_ENV_nodes{number}"] = name
        floating = inventory.floating_ips if inventory else ()
        if floating:
            values["PHD_ENV_floating_ips"] = " ".join(floating)
            for number, address in enumerate(floating, start=1):
                values[f"PHD_ENV_floating_ips{number}"] = address
        # What phd's cluster definition held beyond nodes and floating IPs (a snapshot name,
        # a shared device) comes from the inventory's variables for all hosts.
        for name, value in (inventory.vars if inventory else {}).items():
            if name.startswith("PHD_ENV_") and not PLAN_ENV_RE.match(name):
                values[name] = value
    return values


def _expand_shell_style(text: str, values: Mapping[str, Value]) -> Value:
    """``$NAME`` and ``${NAME}`` replaced, as phd's ``export`` lines did; nothing else runs.

    An unknown name becomes empty, as in the shell; a value built from a secret is secret.
    """
    secret = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal secret
        value = values.get(match.group(1) or match.group(2), "")
        secret = secret or isinstance(value, Secret)
        return reveal(value)

    expanded = _REFERENCE_RE.sub(substitute, text)
    return Secret(expanded) if secret else expanded
