"""The Fabric export: a module of tasks carrying the scenario as data for the runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runbook.export.templates import render
from runbook.export.view import context, source_of, variable_views
from runbook.model import Scenario, Verify


def _verify_data(verify: Verify | None) -> dict[str, Any] | None:
    if verify is None:
        return None
    return {
        "command": verify.command,
        "expect_exit": verify.expect_exit,
        "match": verify.match,
        "retries": verify.retries,
        "delay": verify.delay,
        "timeout": verify.timeout,
    }


def scenario_data(scenario: Scenario, root: Path) -> dict[str, Any]:
    """The scenario as plain literals, from which the runtime rebuilds the model.

    Secret variables carry no default: their values come at run time, never from the file.
    """
    views = {view.name: view for view in variable_views(scenario)}
    return {
        "name": scenario.name,
        "title": scenario.title,
        "origin": scenario.origin,
        "source": source_of(scenario.location, root),
        "hosts": scenario.hosts_role,
        "nodes": scenario.min_nodes,
        "requires": list(scenario.requires),
        "variables": [
            {
                "name": v.name,
                "default": views[v.name].default,
                "secret": v.secret,
                "description": v.description,
            }
            for v in scenario.variables
        ],
        "local_variables": [list(pair) for pair in scenario.local_variables],
        "steps": [
            {
                "title": step.title,
                "source": source_of(step.location, root),
                "target": str(step.target),
                "guard": step.guard,
                "script": step.script,
                "verify": _verify_data(step.verify),
                "run_once": step.options.run_once,
                "serial": step.options.serial,
                "sensitive": step.options.sensitive,
                "expect_exit": step.options.expect_exit,
                "register": step.options.register,
                "copy": list(step.options.copy_paths),
                "copy_from": str(step.options.copy_from) if step.options.copy_from else None,
            }
            for step in scenario.steps
        ],
    }


def render_fabric(scenario: Scenario, root: Path) -> str:
    """The Fabric module of one scenario."""
    return render("fabric.py.j2", **context(scenario, root), data=scenario_data(scenario, root))
