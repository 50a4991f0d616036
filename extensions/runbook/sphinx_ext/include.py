"""``include`` in the Sphinx build: the bounded reader's rules, then Sphinx's own directive.

Sphinx's ``include`` reads whatever path it is given, a FIFO or ``/dev/zero`` included;
this one first applies the rules every file the guide reads follows
(:class:`runbook.docutils_.directives.BoundedInclude`), then lets Sphinx's directive (rST)
or MyST's (Markdown) include the file, ``include-read`` event and all.
"""

from __future__ import annotations

from typing import ClassVar

from docutils.parsers.rst.directives.misc import Include
from sphinx.directives.other import Include as SphinxInclude

from runbook.docutils_.directives import BoundedInclude


class SphinxBoundedInclude(BoundedInclude):
    """:class:`BoundedInclude` that hands rST files to Sphinx's ``include``."""

    rst_include: ClassVar[type[Include]] = SphinxInclude
