"""The dry-run check inside the HTML build, so one ``make html`` reports every mistake.

With ``runbook_check_html = True`` (the guide's ``conf.py``), the build runs what
``runbook check`` runs over the scenarios it has read (plan, variables, verification,
``bash -n``, shellcheck; not the playbooks' syntax check, which the export does) and warns
at each problem's line, ``[runbook.<code>]``, so ``-W`` fails the build on them. The
findings are kept in the environment with a digest of what they depend on: a rebuild that
changed no scenario repeats them without running a checker again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from runbook.errors import RunbookError
from runbook.model import Problem, ProblemCode, Scenario
from runbook.sphinx_ext.domain import get_scenarios

logger = logging.getLogger(__name__)

#: The domain data key of the last findings: (digest, problems).
_KEY = "check"


def check_in_build(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about what the dry-run check finds, once per build (HTML builders only)."""
    if not app.config.runbook_check_html or app.builder.format != "html":
        return
    root = Path(app.confdir)
    inventory_path = root / app.config.runbook_check_inventory
    files = [root / name for name in app.config.runbook_check_variables]
    files = [path for path in files if path.is_file()]
    scenarios = get_scenarios(env)
    digest = _digest(repr(list(scenarios.values())), [inventory_path, *files])
    data = env.domaindata["runbook"]
    cached = data.get(_KEY)
    if cached is not None and cached[0] == digest:
        problems: list[Problem] = cached[1]
    else:
        problems = _check(scenarios, inventory_path, files, root)
        data[_KEY] = (digest, problems)
    for problem in problems:
        if problem.code is ProblemCode.REQUIRES:
            continue  # the domain's consistency check reports the graph's problems
        logger.warning(
            problem.message,
            location=str(problem.location or ""),
            type="runbook",
            subtype=problem.code.value,
        )


def _check(
    scenarios: Mapping[str, Scenario], inventory_path: Path, files: list[Path], root: Path
) -> list[Problem]:
    from runbook.check.guide import check_scenarios
    from runbook.plan.inventory import load_inventory

    try:
        inventory = load_inventory(inventory_path) if inventory_path.is_file() else None
        return check_scenarios(
            scenarios, inventory=inventory, variable_files=files, root=root, ansible=False
        )
    except RunbookError as error:
        return [Problem(error.location, ProblemCode.PLAN, error.message)]


def _digest(scenarios: str, files: list[Path]) -> str:
    hashed = hashlib.sha256(scenarios.encode())
    for path in files:
        hashed.update(str(path).encode() + b"\0")
        hashed.update(path.read_bytes() if path.is_file() else b"")
    return hashed.hexdigest()


def setup_checking(app: Sphinx) -> None:
    app.add_config_value("runbook_check_html", False, "env", types=frozenset({bool}))
    app.connect("env-check-consistency", check_in_build)
