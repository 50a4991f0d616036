"""The same scenario written in rST and in MyST gives the same model (a golden JSON file)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from runbook.docutils_.loader import parse_source
from runbook.model import Scenario, SourceLocation

from .helpers import GOLDEN, check_golden, dump, to_data

SAME = GOLDEN / "_same"


def _load(name: str) -> list[Scenario]:
    path = SAME / name
    scenarios, problems = parse_source(path.read_text(encoding="utf-8"), str(path), "sample")
    assert problems == []
    return scenarios


def _as_if_from(value: Any, old: str, new: str) -> Any:
    """``value`` with every location in ``old`` moved to ``new`` and MyST origins as rST."""
    if isinstance(value, SourceLocation):
        return SourceLocation(new, value.line) if value.path == old else value
    if isinstance(value, tuple | list):
        return type(value)(_as_if_from(item, old, new) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: _as_if_from(getattr(value, field.name), old, new)
            for field in dataclasses.fields(value)
        }
        if isinstance(value, Scenario) and value.origin == "myst":
            changes["origin"] = "rst"
        return dataclasses.replace(value, **changes)
    return value


def test_rst_and_myst_give_identical_model_objects() -> None:
    rst = _load("sample.rst")
    myst = _load("sample.md")
    assert {scenario.origin for scenario in myst} == {"myst", "legacy"}
    assert _as_if_from(myst, str(SAME / "sample.md"), str(SAME / "sample.rst")) == rst


@pytest.mark.parametrize("name", ["sample.rst", "sample.md"])
def test_the_sample_gives_the_golden_model(name: str) -> None:
    scenarios = _as_if_from(_load(name), str(SAME / "sample.md"), str(SAME / "sample.rst"))
    data = [to_data(scenario) for scenario in scenarios]
    text = dump(data).replace(str(SAME) + "/", "")
    check_golden(SAME / "sample.json", text)


def test_the_golden_model_covers_every_option() -> None:
    """The sample must keep exercising each option, or the equality above proves little."""
    rst = (SAME / "sample.rst").read_text(encoding="utf-8")
    from runbook.docutils_.directives import DIRECTIVES

    for directive in DIRECTIVES.values():
        for option in directive.option_spec:
            assert f":{option}:" in rst, f":{option}: is not used in {SAME / 'sample.rst'}"
    assert Path(SAME / "sample.md").exists()
