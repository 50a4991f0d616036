"""The executed guide: each step shows what its last real run printed, host by host.

With ``runbook_results`` set to a runner state directory (``make html-executed``), every
scenario header says where and when the scenario was last run (the inventory's name, its
hosts and their OS), how that run ended, and which versions of the packages the scenario
installs the hosts had; every step gets its output per host (trimmed) and whether its
verification passed.
Outputs are masked by the runner already; values of secret variables found in the files
named by ``runbook_results_variables`` are masked again here, in case an output echoed
one in a form the runner could not see.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from runbook.docutils_.render import format_seconds
from runbook.model import Secret, mask_text, reveal
from runbook.sphinx_ext.domain import RunbookDomain
from runbook.sphinx_ext.results import HostResult, ScenarioRun, read_results, trimmed

_PASSED = {"ok": "passed", "skipped": "skipped: already done"}
_RUN_STATUS = {"done": "passed"}

#: Masks the values of secret variables in a text shown on the page.
Mask = Callable[[str], str]


@functools.cache
def _results(state_dir: str) -> dict[str, ScenarioRun]:
    return read_results(Path(state_dir))


class ExecutedResults(SphinxPostTransform):
    """Add the last run's results under scenario headers and steps."""

    default_priority = 450

    def run(self, **kwargs: object) -> None:
        state_dir = self.config.runbook_results
        if not state_dir:
            return
        runs = _results(str(Path(state_dir).resolve()))
        mask = _masker(tuple(self.config.runbook_results_variables), self._secret_names())
        for box in list(self.document.findall(nodes.container)):
            if "rb-scenario" in box["classes"]:
                _add_header(box, runs.get(box.get("rb_name", "")), mask)
            elif "rb-step" in box["classes"] and "rb_step_id" in box:
                step_id = box["rb_step_id"]
                run = runs.get(step_id.partition("/")[0])
                if run is not None:
                    _add_results(box, run.steps.get(step_id, {}), mask)

    def _secret_names(self) -> frozenset[str]:
        domain = self.env.domains["runbook"]
        assert isinstance(domain, RunbookDomain)
        return frozenset(
            variable.name
            for scenario in domain.scenarios().values()
            for variable in scenario.variables
            if variable.secret
        )


def _masker(files: tuple[str, ...], secret_names: frozenset[str]) -> Mask:
    from runbook.plan.variables import load_variables_file

    secrets: list[Secret] = []
    for name in files:
        for variable, resolved in load_variables_file(Path(name)).items():
            if isinstance(resolved.value, Secret) or variable in secret_names:
                secrets.append(Secret(reveal(resolved.value)))
    return lambda text: mask_text(text, secrets)


def _add_header(box: nodes.container, run: ScenarioRun | None, mask: Mask) -> None:
    proven = nodes.container(classes=["rb-proven"])
    if run is None:
        proven += nodes.paragraph(text="No recorded run of this scenario yet.")
    else:
        steps = len(run.steps)
        passed = sum(
            1
            for hosts in run.steps.values()
            if hosts and all(result.status in _PASSED for result in hosts.values())
        )
        verb = "Last proven" if run.status == "done" else "Last run"
        where = run.inventory_name or f"the inventory {run.inventory or 'given'}"
        systems = _systems(run)
        took = f" in {format_seconds(round(run.took))}" if run.took is not None else ""
        text = (
            f"{verb} {run.when} on {where} ({', '.join(run.hosts)}{systems}): "
            f"{_RUN_STATUS.get(run.status, run.status)}{took}; {passed} of {steps} steps "
            "passed on every host."
        )
        proven += nodes.paragraph(text=mask(text), classes=["rb-proven-summary"])
        proven += _packages(run, mask)
        if run.inventory:
            key = f"Inventory key {run.inventory}, run {run.run_id}."
            proven += nodes.paragraph(text=key, classes=["rb-proven-key"])
    box.insert(1, proven)


def _systems(run: ScenarioRun) -> str:
    """``; OS`` when every host that answered runs the same one, else ``; hosts: OS`` groups."""
    by_os: dict[str, list[str]] = {}
    for host in run.hosts:
        system = run.systems.get(host)
        if system is not None and system.os:
            by_os.setdefault(system.os, []).append(host)
    if not by_os:
        return ""
    if len(by_os) == 1:
        return f"; {next(iter(by_os))}"
    return "".join(f"; {', '.join(hosts)}: {name}" for name, hosts in by_os.items())


def _packages(run: ScenarioRun, mask: Mask) -> nodes.paragraph:
    """``name = version`` per package; per host only where the hosts differ."""
    line = nodes.paragraph(classes=["rb-packages"])
    if not run.systems:
        line += nodes.Text("Package versions unknown: this run's journal records none.")
        return line
    versions: dict[str, dict[str, list[str]]] = {}
    for host in run.hosts:
        system = run.systems.get(host)
        for name, version in (system.packages if system else {}).items():
            versions.setdefault(name, {}).setdefault(version or "unknown", []).append(host)
    if not versions:
        line += nodes.Text("No package installs found in this scenario's commands.")
        return line
    line += nodes.Text("Packages: ")
    for position, (name, hosts_by_version) in enumerate(versions.items()):
        if position:
            line += nodes.Text("; ")
        item = nodes.inline(classes=["rb-package"])
        item += nodes.literal(name, name)
        shown = [
            version if len(hosts_by_version) == 1 else f"{version} ({', '.join(hosts)})"
            for version, hosts in hosts_by_version.items()
        ]
        item += nodes.Text(" = " + mask(", ".join(shown)))
        line += item
    line += nodes.Text(".")
    return line


def _add_results(box: nodes.container, hosts: dict[str, HostResult], mask: Mask) -> None:
    if not hosts:
        return
    _name_hosts(box, list(hosts))
    results = nodes.container(classes=["rb-result"])
    # Hosts that did the same and printed the same are shown once, with all their names.
    groups: dict[tuple[object, ...], list[str]] = {}
    for host, result in hosts.items():
        key = (
            result.status,
            result.phase,
            mask(result.message),
            result.verify_tries,
            mask(trimmed(result.output)) if result.output else "",
            mask(trimmed(result.verify_output)) if result.verify_output else "",
        )
        groups.setdefault(key, []).append(host)
    for names in groups.values():
        result = hosts[names[0]]
        passed = result.status in _PASSED
        status = _PASSED.get(result.status, result.status)
        if result.status == "failed" and result.message:
            status += f" ({result.phase}: {mask(result.message)})"
        line = nodes.paragraph(classes=["rb-result-status", "rb-passed" if passed else "rb-failed"])
        for position, host in enumerate(names):
            if position:
                line += nodes.Text(", ")
            line += nodes.literal(host, host)
        line += nodes.Text(f" {status}")
        if result.verify_tries:
            tries = "try" if result.verify_tries == 1 else "tries"
            verdict = "passed" if passed else "did not pass"
            line += nodes.Text(f"; verification {verdict} after {result.verify_tries} {tries}")
        results += line
        for lines, css in (
            (result.output, "rb-output"),
            (result.verify_output, "rb-verify-output"),
        ):
            if lines:  # a host that printed nothing gets no empty box
                text = mask(trimmed(lines))
                block = nodes.literal_block(text, text, classes=["rb-output", css])
                block["language"] = "text"
                results += block
    box += results


def _name_hosts(box: nodes.container, hosts: list[str]) -> None:
    """Resolve the step card's Hosts field: the hosts the last run ran the step on."""
    for facts in box.findall(nodes.field_list):
        if "rb-step-facts" not in facts["classes"]:
            continue
        for field in facts.findall(nodes.field):
            if field[0].astext() != "Hosts":
                continue
            for paragraph in field.findall(nodes.paragraph):
                paragraph += nodes.Text(" — in the last run: " + ", ".join(hosts))
                return
