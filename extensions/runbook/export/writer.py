"""Every export of a guide as ``{relative path: text}``, written or compared with a directory.

Generation is pure (same scenarios, same bytes), so ``make check-runbooks`` and the test
of the committed ``runbooks/`` compare what is on disk with what the guide gives now.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from runbook.export.ansible import render_playbook, render_site
from runbook.export.bash import render_bash
from runbook.export.fabric import render_fabric
from runbook.export.order import dependency_order
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
EXECUTABLE = (".sh",)


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
                "steps": len(scenario.steps),
                "files": {form: name + suffix for form, suffix in FORMATS.items()},
            }
        )
    sources = {name: source_of(scenarios[name].location, root) for name in order}
    files["site.yml"] = render_site(order, sources)
    files["index.json"] = dumps(
        {
            "generated": "by `runbook export` from the guide; do not edit, run `make runbooks`",
            "version": 1,
            "scenarios": index,
        }
    )
    files["README.md"] = render("README.md.j2", order=order, scenarios=scenarios)
    return dict(sorted(files.items()))


def write(files: Mapping[str, str], outdir: Path, *, prune: bool = True) -> list[Path]:
    """Write ``files`` under ``outdir``; ``prune`` removes exports of scenarios that are gone.

    Returns the paths whose content changed; unchanged files are not touched.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    changed = []
    for stale in stale_files(files, outdir) if prune else ():
        stale.unlink()
        changed.append(stale)
    for name, text in files.items():
        path = outdir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
        if path.suffix in EXECUTABLE:
            path.chmod(0o755)
    return changed


def stale_files(files: Mapping[str, str], outdir: Path) -> list[Path]:
    """Exports in ``outdir`` that the guide no longer produces (hidden files are left)."""
    if not outdir.is_dir():
        return []
    return sorted(
        path
        for path in outdir.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.name not in files
    )


def differences(files: Mapping[str, str], outdir: Path, *, prune: bool = True) -> list[str]:
    """What differs between ``outdir`` and ``files``, one line per file; empty when equal.

    With ``prune``, files the guide no longer produces are differences too.
    """
    stale = stale_files(files, outdir) if prune else []
    problems = [f"{path}: not produced by the guide any more" for path in stale]
    for name, text in files.items():
        path = outdir / name
        if not path.exists():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: differs from what the guide generates")
    return problems
