"""HA Runbook: scenarios written in the guide, rendered by Sphinx and run over SSH."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def setup(app: Any) -> dict[str, Any]:
    """Sphinx entry point; imports the Sphinx integration only when Sphinx asks for it."""
    from runbook.sphinx_ext import setup as _setup

    return _setup(app)
