"""``.. runbook-toctree::``: a glob toctree for a part of the guide that may still be empty.

Pages of a part (scenarios, recovery, ...) are written over time by different people; the
part's index lists them with a glob so that nobody edits it to add a page. Sphinx warns
when a glob matches nothing, which ``-W`` would turn into a failed build for a part whose
first page is not written yet; this directive drops that one warning and keeps the others.
"""

from __future__ import annotations

import logging

from sphinx import addnodes
from sphinx.directives.other import TocTree
from sphinx.util.logging import suppress_logging


class PartToctree(TocTree):
    """``toctree`` with ``:glob:`` always on, silent when a pattern matches no page yet."""

    def parse_content(self, toctree: addnodes.toctree) -> None:
        toctree["glob"] = True
        with suppress_logging() as held:
            super().parse_content(toctree)
        for record in held.buffer:
            if getattr(record, "subtype", None) != "empty_glob":
                logging.getLogger(record.name).handle(record)
