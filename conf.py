"""Sphinx configuration of the HA guide: ``sphinx-build -c . docs _build/html``."""

from __future__ import annotations

import runbook

project = "HA Runbook"
author = "The HA Runbook authors"
copyright = "The HA Runbook authors"
release = version = runbook.__version__

extensions = [
    "runbook",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx.ext.graphviz",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**/.*"]

# MyST: colon fences carry the runbook directives; heading anchors let pages link to sections.
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

# The deployment-order graph: SVG, so links in it work and it stays sharp.
graphviz_output_format = "svg"

html_theme = "furo"
html_title = "HA Runbook"
html_theme_options = {
    "navigation_with_keys": True,
    "top_of_page_buttons": [],
}
# The pages' sources are not published beside them: a secret default written in a source
# would leak through them, and the rendered page already says everything the source does.
html_copy_source = False
pygments_style = "friendly"
pygments_dark_style = "monokai"

# Copy exactly what the command is: the guide's command blocks carry no prompts, and the
# button must not strip anything that looks like one.
copybutton_exclude = ".linenos, .gp, .go"
copybutton_prompt_text = ""

# The HTML build runs the dry-run check too (plan, variables, bash -n, shellcheck) and
# warns at each problem's line, so `make html` (-W) fails on what `make check` finds.
runbook_check_html = True
