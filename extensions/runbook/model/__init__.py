"""Frozen, typed data for scenarios; no I/O, no Sphinx, no SSH."""

from __future__ import annotations

from runbook.model.location import SourceLocation
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
    "Scenario",
    "Secret",
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
