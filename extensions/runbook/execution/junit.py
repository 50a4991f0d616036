"""``--junit FILE``: a JUnit XML report, one test case per step and host, for CI systems."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from runbook.execution.events import Event, HostDone, RunFinished, RunStarted
from runbook.execution.results import HostOutcome
from runbook.model import Step


class JUnitReport:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._scenario = ""
        self._cases: list[tuple[Step, HostOutcome]] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._scenario = event.scenario
        elif isinstance(event, HostDone):
            self._cases.append((event.step, event.outcome))
        elif isinstance(event, RunFinished):
            self.path.write_text(self.render(event.duration), encoding="utf-8")

    def render(self, total: float) -> str:
        failures = sum(o.status in ("failed", "would-run") for _, o in self._cases)
        errors = sum(o.status == "interrupted" for _, o in self._cases)
        skipped = sum(o.status in ("skipped", "not-run") for _, o in self._cases)
        suites = ET.Element("testsuites")
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=self._scenario,
            tests=str(len(self._cases)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
            time=f"{total:.3f}",
        )
        for step, outcome in self._cases:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=self._scenario,
                name=f"{step.id} {step.title} [{outcome.host}]",
                time=f"{outcome.duration:.3f}",
            )
            if outcome.status in ("failed", "would-run"):
                failure = ET.SubElement(case, "failure", message=outcome.message)
                failure.text = outcome.output
            elif outcome.status == "interrupted":
                ET.SubElement(case, "error", message="interrupted")
            elif outcome.status in ("skipped", "not-run"):
                ET.SubElement(case, "skipped", message=outcome.message or outcome.status)
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
