"""Where a run keeps its journal, lock and transcripts on the control host: per user.

``$RUNBOOK_STATE_DIR`` if set, else ``$XDG_STATE_HOME/runbook``, else
``~/.local/state/runbook``; every directory is created mode 0700 because journals and
transcripts describe the cloud's hosts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

STATE_DIR_ENV = "RUNBOOK_STATE_DIR"


def default_state_dir() -> Path:
    explicit = os.environ.get(STATE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or "~/.local/state"
    return Path(base).expanduser() / "runbook"


def private_dir(path: Path) -> Path:
    """``path`` created if needed, readable by its owner only, as is every parent it creates.

    (``Path.mkdir(parents=True)`` would make the parents with the umask's mode, leaving
    the names of scenarios and inventories readable to every user.)
    """
    missing = [directory for directory in (path, *path.parents) if not directory.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


@dataclass(frozen=True, slots=True)
class RunFiles:
    """The files of one scenario run against one inventory (computing them does no I/O)."""

    root: Path
    scenario: str
    inventory_key: str

    @property
    def key(self) -> str:
        return f"{self.scenario}--{self.inventory_key}"

    @property
    def journal(self) -> Path:
        return self.root / "journals" / f"{self.key}.jsonl"

    @property
    def registered(self) -> Path:
        """The ``:register:`` values of past runs (not secrets), for resumed runs."""
        return self.root / "registered" / f"{self.key}.json"

    @property
    def lock(self) -> Path:
        return self.root / "locks" / f"{self.key}.lock"

    def transcripts(self, run_id: str) -> Path:
        return self.root / "transcripts" / self.key / run_id

    def for_scenario(self, scenario: str) -> RunFiles:
        """The same inventory's files for another scenario (its ``requires``)."""
        return RunFiles(self.root, scenario, self.inventory_key)
