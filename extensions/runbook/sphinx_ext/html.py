"""HTML-only polish of rendered steps (a permalink on each step's title), and a cache of
the theme's compiled templates.

Kept out of the read-time rendering so that text, export and linkcheck builders see the
plain nodes; Sphinx applies this post-transform only to HTML-family builders.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform


class StepPermalinks(SphinxPostTransform):
    """Add a ``#name-N`` link, styled like Sphinx's heading links, to every step title."""

    default_priority = 400
    formats = ("html",)

    def run(self, **kwargs: object) -> None:
        icon = self.config.html_permalinks_icon
        if not self.config.html_permalinks or not icon:
            return
        for box in self.document.findall(nodes.container):
            if "rb-step" not in box["classes"] and "rb-scenario" not in box["classes"]:
                continue
            title = box.next_node(nodes.paragraph)
            if title is None or not box["ids"]:
                continue
            anchor = box["ids"][0]
            link = nodes.reference(
                "",
                "",
                nodes.raw("", icon, format="html"),
                refid=anchor,
                classes=["headerlink"],
                reftitle="Link to this step" if "rb-step" in box["classes"] else "Link here",
            )
            title += link


def cache_templates(app: Sphinx) -> None:
    """Keep the theme's compiled Jinja templates beside the doctrees, across builds.

    Sphinx compiles Furo's templates afresh in every build, about 55 ms of a 0.8 s rebuild
    with nothing changed. Jinja's own bytecode cache checks each template's source and the
    Jinja and Python versions, so an edited or upgraded theme is compiled again.
    """
    from jinja2 import FileSystemBytecodeCache

    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None:
        return
    directory = Path(app.doctreedir) / "jinja2"
    directory.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(directory))
