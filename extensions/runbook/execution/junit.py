"""``--junit FILE``: a JUnit XML report, one test case per step and host, for CI systems.

One report covers the whole command: with ``--with-deps`` each scenario that runs is a
``testsuite`` of its own in the same file, in the order they ran. The file is written
again after each scenario, so a run that stops early still leaves what it did.
Characters XML 1.0 cannot carry (terminal colour codes, NUL and the other control
characters a command may print) are written as ``\\xNN``, so a CI system can always
parse the report.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from runbook.execution.events import Event, HostDone, RunFinished, RunStarted
from runbook.execution.results import HostOutcome
from runbook.model import Step

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 forbids written as ``\\xNN``."""
    return _NOT_XML.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


@dataclass
class _Suite:
    scenario: str
    cases: list[tuple[Step, HostOutcome]] = field(default_factory=list)
    duration: float = 0.0


class JUnitReport:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._suites: list[_Suite] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._suites.append(_Suite(event.scenario))
        elif isinstance(event, HostDone) and self._suites:
            self._suites[-1].cases.append((event.step, event.outcome))
        elif isinstance(event, RunFinished) and self._suites:
            self._suites[-1].duration = event.duration
            self.path.write_text(self.render(), encoding="utf-8")

    def render(self) -> str:
        suites = ET.Element("testsuites")
        for suite in self._suites:
            _render_suite(suites, suite)
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _render_suite(parent: ET.Element, suite: _Suite) -> None:
    cases = suite.cases
    element = ET.SubElement(
        parent,
        "testsuite",
        name=xml_safe(suite.scenario),
        tests=str(len(cases)),
        failures=str(sum(o.status in ("failed", "would-run") for _, o in cases)),
        errors=str(sum(o.status == "interrupted" for _, o in cases)),
        skipped=str(sum(o.status in ("skipped", "not-run") for _, o in cases)),
        time=f"{suite.duration:.3f}",
    )
    for step, outcome in cases:
        case = ET.SubElement(
            element,
            "testcase",
            classname=xml_safe(suite.scenario),
            name=xml_safe(f"{step.id} {step.title} [{outcome.host}]"),
            time=f"{outcome.duration:.3f}",
        )
        if outcome.status in ("failed", "would-run"):
            failure = ET.SubElement(case, "failure", message=xml_safe(outcome.message))
            failure.text = xml_safe(outcome.output)
        elif outcome.status == "interrupted":
            ET.SubElement(case, "error", message="interrupted")
        elif outcome.status in ("skipped", "not-run"):
            ET.SubElement(case, "skipped", message=xml_safe(outcome.message or outcome.status))
