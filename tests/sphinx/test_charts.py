"""Charts drawn from measured results: SVG per theme with matplotlib, and located warnings."""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook.sphinx_ext.chartdata import CHARTS, ChartError, fleet_chart, per_step_chart

SVG = "{http://www.w3.org/2000/svg}"


def _svg_texts(path: Path) -> str:
    root = ElementTree.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return " ".join(text for element in root.iter(f"{SVG}text") for text in element.itertext())


def test_each_chart_is_drawn_for_both_themes_with_its_figures_as_alt_text(build, read_html):
    app = build("chart")
    page = read_html(app, "index")
    images = re.findall(
        r'<img src="([^"]+)" class="rb-chart-image only-(light|dark)" alt="([^"]*)"', page
    )
    assert [theme for _src, theme, _alt in images] == ["light", "dark", "light", "dark"]
    assert "runbook run: 3.4 ms; ansible-playbook: 534.0 ms" in images[0][2]
    assert "ansible-playbook: 1 hosts 7.7 s, 16 hosts 50.2 s." in images[2][2]
    assert "<figcaption>Cost per step.</figcaption>" in page
    for src, _theme, _alt in images:
        text = _svg_texts(Path(app.outdir) / src)
        assert "runbook run" in text and "ansible-playbook" in text


def test_the_themes_differ_in_colour_and_drawing_is_reproducible(build):
    app = build("chart")
    images = Path(app.outdir) / "_images"
    light = sorted(images.glob("rb-chart-*-light.svg"))
    dark = sorted(images.glob("rb-chart-*-dark.svg"))
    assert len(light) == len(dark) == 2
    assert light[0].read_text() != dark[0].read_text()
    first = light[0].read_text()
    app2 = build("chart")  # a second build of the same results writes the same bytes
    assert (Path(app2.outdir) / "_images" / light[0].name).read_text() == first


def test_a_bad_chart_is_a_located_warning_not_a_traceback(build):
    app = build("chart")
    warnings = app._warning.getvalue()
    assert "broken.rst:4: WARNING: runbook-chart: missing.json: no such file" in warnings
    assert "broken.rst:7: WARNING: runbook-chart: give :figure:" in warnings
    assert (
        "broken.rst:9: WARNING: runbook-chart: empty.json: the results have no 'per_step'"
        in warnings
    )
    assert "[runbook.chart]" in warnings
    assert "Traceback" not in warnings


def test_text_builders_get_the_figures_as_a_sentence(build):
    app = build("chart", buildername="text")
    text = (Path(app.outdir) / "index.txt").read_text()
    assert "Cost of one step, by tool. Milliseconds per step: runbook run: 3.4 ms" in text


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(
    st.dictionaries(
        st.sampled_from(["per_step", "fleet", "other"]),
        st.dictionaries(st.sampled_from(["tools", "sizes", "x"]), _json, max_size=3),
        max_size=3,
    )
)
def test_any_results_shape_gives_a_chart_or_a_chart_error(figures):
    for make in CHARTS.values():
        with contextlib.suppress(ChartError):
            make({"figures": figures})


@pytest.mark.parametrize("make", [per_step_chart, fleet_chart])
def test_results_without_figures_say_to_run_the_benchmarks(make):
    with pytest.raises(ChartError, match="make bench"):
        make({})
