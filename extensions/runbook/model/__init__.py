"""Frozen, typed data for scenarios; no I/O, no Sphinx, no SSH."""

from __future__ import annotations

from runbook.model.graph import ScenarioGraph
from runbook.model.location import SourceLocation
from runbook.model.problems import Problem, ProblemCode, Severity
from runbook.model.scenario import (
    Scenario,
    Step,
    StepOptions,
    Variable,
    Verify,
    slugify,
)
from runbook.model.secret import MASK, Secret, Value, mask_text, reveal
from runbook.model.target import ALL, FIRST, LOCAL, Target

__all__ = [
    "ALL",
    "FIRST",
    "LOCAL",
    "MASK",
    "Problem",
    "ProblemCode",
    "Scenario",
    "ScenarioGraph",
    "Secret",
    "Severity",
    "SourceLocation",
    "Step",
    "StepOptions",
    "Target",
    "Value",
    "Variable",
    "Verify",
    "mask_text",
    "reveal",
    "slugify",
]
