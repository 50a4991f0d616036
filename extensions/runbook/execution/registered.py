"""Values captured by ``:register:``, kept on the control host for later runs.

A resumed run (or one started ``--from`` a later step) skips the steps already done, and
with them the commands whose output the later steps use. So each value that is not a
secret is written as soon as it is captured, to a file of its own beside the journal
(the journal never holds values): JSON, mode 0600, replaced atomically. The output of a
``:sensitive:`` step is never written; a run that would need it refuses, naming the step
to run again (:func:`missing_values`).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from runbook.execution.statedir import private_dir
from runbook.model import Secret, Value
from runbook.plan.model import PlannedStep

FORMAT = 1


@dataclass
class RegisteredValues:
    """Each host's own values, and the first host's (seen by hosts that did not run a step)."""

    by_host: dict[str, dict[str, Value]] = field(default_factory=dict)
    first: dict[str, Value] = field(default_factory=dict)
    #: Where values are kept between runs; ``None``: in memory only (``--check``, tests).
    path: Path | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: Names captured by this run: their value from a previous run no longer counts.
    _fresh: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, path: Path, *, keep: bool = True) -> RegisteredValues:
        """The values a previous run kept at ``path``; none if it is missing or unreadable.

        With ``keep``, values captured from now on are written back to ``path``.
        """
        values = cls(path=path if keep else None)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return values
        if not isinstance(data, dict) or data.get("v") != FORMAT:
            return values
        for key, target in (("by_host", values.by_host), ("first", None)):
            section = data.get(key)
            if not isinstance(section, dict):
                continue
            if target is None:
                values.first.update(_strings(section))
                continue
            for host, named in section.items():
                if isinstance(host, str) and isinstance(named, dict):
                    target[host] = dict(_strings(named))
        return values

    def store(self, host: str, name: str, value: Value) -> None:
        """Keep ``value`` for later steps (the first host's also for every other host)."""
        with self.lock:
            self.by_host.setdefault(host, {})[name] = value
            if name not in self._fresh:
                self._fresh.add(name)
                self.first[name] = value
            if self.path is not None and not isinstance(value, Secret):
                self._save(self.path)

    def visible_on(self, host: str) -> dict[str, Value]:
        with self.lock:
            return {**self.first, **self.by_host.get(host, {})}

    def known(self, name: str) -> bool:
        with self.lock:
            return name in self.first

    def _save(self, path: Path) -> None:
        """Write every value that is not a secret (the lock is held)."""
        data = {
            "v": FORMAT,
            "by_host": {
                host: _plain(named) for host, named in self.by_host.items() if _plain(named)
            },
            "first": _plain(self.first),
        }
        private_dir(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, ensure_ascii=False, sort_keys=True)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def missing_values(
    skipped: Iterable[PlannedStep], selected: Iterable[PlannedStep], values: RegisteredValues
) -> list[str]:
    """Why the ``selected`` steps cannot run without the ``skipped`` ones, if they cannot.

    A skipped step that registers a name a selected step's text uses (``$NAME`` or
    ``${NAME}``), with no value kept for it, is named with the reason.
    """
    texts = [_texts(planned) for planned in selected]
    reasons = []
    for planned in skipped:
        step = planned.step
        name = step.options.register
        if name is None or values.known(name):
            continue
        use = re.compile(rf"\$(?:{{{re.escape(name)}\b|{re.escape(name)}\b)")
        if any(use.search(text) for text in texts):
            why = "its step is :sensitive:" if step.options.sensitive else "none was kept"
            reasons.append(
                f"step {step.id} registers {name!r}, which later steps use, and no value of "
                f"it is known ({why}): run again from step {step.index} (--from {step.index})"
            )
    return reasons


def _texts(planned: PlannedStep) -> str:
    step = planned.step
    parts = [step.script]
    if step.verify is not None:
        parts.append(step.verify.command)
    if step.guard:
        parts.append(step.guard)
    return "\n".join(parts)


def _plain(named: dict[str, Value]) -> dict[str, str]:
    return {name: value for name, value in named.items() if isinstance(value, str)}


def _strings(section: dict[object, object]) -> Iterable[tuple[str, str]]:
    return (
        (name, value)
        for name, value in section.items()
        if isinstance(name, str) and isinstance(value, str)
    )
