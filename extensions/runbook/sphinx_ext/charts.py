"""``.. runbook-chart:: results.json``: a figure of the guide drawn from measured results.

The directive reads the JSON when the page is read (the page is read again when the file
changes) and keeps the chart's data in the doctree; the HTML writer draws it as two SVG
files, one per theme (furo shows ``only-light`` or ``only-dark``), with the chart's
figures as alternative text. Other writers show that text.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator

from runbook.model import ProblemCode
from runbook.sphinx_ext.chartdata import CHARTS, Chart, ChartError

logger = logging.getLogger(__name__)

#: A results file larger than this is not a benchmark result.
MAX_RESULTS_BYTES = 16 * 1024 * 1024


class chart_node(nodes.General, nodes.Element):
    """A chart to draw: ``node["chart"]`` is the :class:`Chart`, ``node["caption"]`` text."""


def _figure_choice(argument: str | None) -> str:
    return directives.choice(argument or "", tuple(CHARTS))


class RunbookChart(SphinxDirective):
    """Draw one figure of a results file: ``:figure:`` names which, ``:caption:`` says why."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "figure": _figure_choice,
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        relative, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)
        kind = self.options.get("figure")
        if kind is None:
            return self._refuse(f"give :figure: (one of {', '.join(CHARTS)})")
        try:
            chart = CHARTS[kind](_read_results(Path(path)))
        except ChartError as error:
            return self._refuse(f"{self.arguments[0]}: {error}")
        node = chart_node()
        node["chart"] = chart
        node["caption"] = self.options.get("caption", "")
        self.set_source_info(node)
        return [node]

    def _refuse(self, message: str) -> list[nodes.Node]:
        logger.warning(
            "runbook-chart: %s",
            message,
            location=self.get_location(),
            type="runbook",
            subtype=ProblemCode.CHART.value,
        )
        return []


def _read_results(path: Path) -> Any:
    if not path.is_file():
        raise ChartError("no such file (run `make bench`, or fix the path)")
    if path.stat().st_size > MAX_RESULTS_BYTES:
        raise ChartError(f"larger than {MAX_RESULTS_BYTES // 2**20} MiB: not a results file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ChartError(f"not JSON ({error})") from None


def _file_name(chart: Chart, theme: str) -> str:
    digest = hashlib.sha256(repr(chart).encode()).hexdigest()[:16]
    return f"rb-chart-{digest}-{theme}.svg"


def visit_chart_html(translator: HTML5Translator, node: chart_node) -> None:
    from runbook.sphinx_ext.chartsvg import THEMES, draw

    chart: Chart = node["chart"]
    builder = translator.builder
    images = Path(builder.outdir) / builder.imagedir
    images.mkdir(parents=True, exist_ok=True)
    body = translator.body
    body.append('<figure class="rb-chart">\n')
    for theme in THEMES:
        name = _file_name(chart, theme.name)
        (images / name).write_text(draw(chart, theme), encoding="utf-8")
        source = translator.encode(f"{builder.imgpath}/{name}")
        body.append(
            f'<img src="{source}" class="rb-chart-image only-{theme.name}" '
            f'alt="{translator.encode(chart.alt)}" loading="lazy"/>\n'
        )
    if node["caption"]:
        body.append(f"<figcaption>{translator.encode(node['caption'])}</figcaption>\n")
    body.append("</figure>\n")
    raise nodes.SkipNode


class ChartsAsText(SphinxPostTransform):
    """Writers without pictures get each chart's figures as a sentence instead."""

    default_priority = 200

    def is_supported(self) -> bool:
        return self.env._builder_cls.format != "html"

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(chart_node)):
            chart: Chart = node["chart"]
            node.replace_self(nodes.paragraph(text=f"{chart.title}. {chart.alt}"))


def setup_charts(app: Sphinx) -> None:
    app.add_node(chart_node, html=(visit_chart_html, None))
    app.add_directive("runbook-chart", RunbookChart)
    app.add_post_transform(ChartsAsText)
