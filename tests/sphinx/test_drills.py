"""Drills in the rendered guide: the card, the last measured figures, the table of all."""

from __future__ import annotations

import html
import re
from pathlib import Path

from runbook.drills.record import DrillRecord, append_record, drills_file
from runbook.drills.timeline import Figures


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_drill_shows_its_fault_probes_budget_and_hints(build, read_html) -> None:
    app = build("drill", warningiserror=True)
    text = _text(read_html(app, "recovery"))
    assert "The VIP holder loses power" in text
    assert "poweroff vip-holder" in text
    assert "at most 15 s without a successful probe" in text
    assert "Look at pcs status." in text
    assert "Not measured in this build." in text
    assert 'id="drill-vip-lost"' in read_html(app, "recovery")
    table = _text(read_html(app, "index"))
    assert "vip-lost poweroff vip-holder at most 15 s" in table


def test_the_executed_guide_shows_the_last_figures(build, read_html, tmp_path: Path) -> None:
    state = tmp_path / "state"
    runs = (("2026-12-01T08:00:00Z", 30.0, False), ("2026-12-03T09:10:00Z", 9.5, True))
    for at, downtime, passed in runs:
        append_record(
            drills_file(state),
            DrillRecord(
                "vip-lost",
                at,
                "testbed tb (node1, node2, node3)",
                ("lb",),
                "poweroff node1",
                {"downtime": 15.0},
                Figures(downtime, 9.0, 12, 200),
                passed=passed,
            ),
        )
    app = build("drill", confoverrides={"runbook_results": str(state)})
    expected = (
        "Last measured 2026-12-03 09:10:00 UTC on testbed tb (node1, node2, node3): "
        "downtime 9.5 s, time to recovery 9.0 s, 12 of 200 requests failed: within budget."
    )
    assert expected in _text(read_html(app, "recovery"))
    assert expected in _text(read_html(app, "index"))


def test_measured_drills_are_drawn_against_their_budget(build, read_html, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ElementTree

    state = tmp_path / "state"
    append_record(
        drills_file(state),
        DrillRecord(
            "vip-lost",
            "2026-12-03T09:10:00Z",
            "testbed tb",
            ("lb",),
            "poweroff node1",
            {"downtime": 15.0},
            Figures(9.5, 9.0, 12, 200),
        ),
    )
    app = build("drill", confoverrides={"runbook_results": str(state)})
    page = read_html(app, "index")
    images = re.findall(
        r'<img src="([^"]+)" class="rb-chart-image only-(light|dark)" alt="([^"]*)"', page
    )
    assert [theme for _src, theme, _alt in images] == ["light", "dark"]
    assert "vip-lost: 9.5 s (budget 15 s)" in images[0][2]
    svg = ElementTree.parse(Path(app.outdir) / images[0][0]).getroot()
    texts = " ".join(t for e in svg.iter("{http://www.w3.org/2000/svg}text") for t in e.itertext())
    assert "vip-lost" in texts and "budget" in texts


def test_without_measurements_there_is_no_drill_chart(build, read_html) -> None:
    assert "rb-chart" not in read_html(build("drill"), "index")
