"""Every export of a guide as ``{relative path: text}``, written or compared with a directory.

Generation is pure (same scenarios, same bytes), so ``make check-runbooks`` and the test
of the committed ``runbooks/`` compare what is on disk with what the guide gives now.
Writing is done by :mod:`runbook.export.outdir`, which never loses a file it did not write.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from runbook.export.ansible import render_playbook, render_site
from runbook.export.bash import render_bash
from runbook.export.fabric import render_fabric
from runbook.export.order import alternatives_set_aside, dependency_order
from runbook.export.outdir import differences, write
from runbook.export.plan_json import dumps, render_plan
from runbook.export.templates import render
from runbook.export.view import source_of
from runbook.model import Scenario

#: What each scenario exports, by file suffix.
FORMATS = {
    "fabric": ".py",
    "json": ".json",
    "bash": ".sh",
    "ansible": ".yml",
}
_RENDER = {
    "fabric": render_fabric,
    "json": render_plan,
    "bash": render_bash,
    "ansible": render_playbook,
}


def generate(scenarios: Mapping[str, Scenario], root: Path) -> dict[str, str]:
    """Every file of the export directory, for scenarios in guide order.

    Raises :class:`runbook.errors.PlanError` for a dependency cycle.
    """
    order = dependency_order(scenarios)
    files: dict[str, str] = {}
    index = []
    for name in order:
        scenario = scenarios[name]
        for form, suffix in FORMATS.items():
            files[name + suffix] = _RENDER[form](scenario, root)
        index.append(
            {
                "name": name,
                "title": scenario.title,
                "source": source_of(scenario.location, root),
                "requires": list(scenario.requires),
                "provides": list(scenario.provides),
                "steps": len(scenario.steps),
                "files": {form: name + suffix for form, suffix in FORMATS.items()},
            }
        )
    sources = {name: source_of(scenarios[name].location, root) for name in order}
    files["site.yml"] = render_site(order, sources, alternatives_set_aside(scenarios))
    files["index.json"] = dumps(
        {
            "generated": "by `runbook export` from the guide; do not edit, run `make runbooks`",
            "version": 1,
            "scenarios": index,
        }
    )
    files["README.md"] = render("README.md.j2", order=order, scenarios=scenarios)
    return dict(sorted(files.items()))


__all__ = ["FORMATS", "differences", "generate", "write"]
