"""Problems in the guide are warnings with a file and a line; -W turns them into failures."""

from __future__ import annotations

import re


def warnings_of(app) -> list[str]:
    return [line for line in app._warning.getvalue().splitlines() if "WARNING" in line]


def test_broken_scenario_and_step_references_warn_at_their_line(build):
    app = build("warnings")
    found = warnings_of(app)
    assert any(
        re.search(r"index\.rst:9: WARNING: unknown scenario 'nope'.*\[runbook\.reference\]", w)
        for w in found
    ), found
    assert any(
        re.search(r"index\.rst:9: WARNING: unknown step 'one/9'.*\[runbook\.reference\]", w)
        for w in found
    ), found


def test_a_scenario_name_on_two_pages_warns_with_both_locations(build):
    found = warnings_of(build("warnings"))
    duplicate = [w for w in found if "[runbook.duplicate]" in w]
    assert len(duplicate) == 1
    assert re.search(r"two\.rst:4: WARNING: duplicate scenario name 'one'", duplicate[0])
    assert "one.rst:4" in duplicate[0]


def test_a_requirement_no_page_defines_warns_at_the_scenario(build):
    found = warnings_of(build("warnings"))
    assert any(
        re.search(r"one\.rst:4: WARNING: scenario 'one' requires 'missing'", w) for w in found
    ), found


def test_a_broken_reference_stays_readable_text(build, read_html):
    page = read_html(build("warnings"), "index")
    assert re.search(r"A link to <span[^>]*>nope</span> and to <span[^>]*>one/9</span>", page)


def test_a_bad_step_option_fails_the_build_under_W(build):
    app = build("bad-step", warningiserror=True)
    assert app.statuscode == 1


def test_a_good_guide_passes_under_W(build):
    app = build("rst", warningiserror=True)
    assert app.statuscode == 0


def test_a_bad_step_option_warns_with_its_location(build):
    found = warnings_of(build("bad-step"))
    assert any(re.search(r"index\.rst:7: WARNING: unknown option :taget:", w) for w in found)
