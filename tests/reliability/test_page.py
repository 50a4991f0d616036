"""The guide's Reliability page lists exactly the faults and bad inputs the tests try."""

from __future__ import annotations

from .page import BEGIN, END, KINDS, PAGE, generated_part, render, rows


def test_every_proving_test_has_a_known_kind_and_a_unique_case() -> None:
    found = rows()
    assert len(found) >= 20
    assert {row.kind for row in found} <= set(KINDS)
    cases = [row.case for row in found]
    assert len(cases) == len(set(cases))


def test_the_reliability_page_lists_exactly_the_rows_the_tests_prove() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page.count(BEGIN) == 1 and page.count(END) == 1
    assert generated_part(page) == render(rows()), (
        "docs/reliability.md is out of date with the tests' proves markers: "
        "run `make reliability-page`"
    )
