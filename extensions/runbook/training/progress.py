"""A trainee's progress through a scenario on one inventory: its writer and its one reader.

Kept so that ``runbook train SCENARIO --resume`` continues where the trainee stopped, and
so that the summary at the end covers every session, not only the last. One JSON file per
trainee, scenario and inventory, under the state directory::

    training/<scenario>--<inventory>/<trainee>.json     the progress (this module)
    training/<scenario>--<inventory>/<trainee>.log      the transcript (transcript.py)

The file holds step ids, counts and seconds only: never a command, an output or a value,
so it cannot leak a secret. A file that cannot be read is refused with its path, never
silently started over: the trainee decides (start again without ``--resume``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from runbook.execution.errors import RefusedError, UsageError
from runbook.execution.statedir import RunFiles, private_dir

FORMAT = 1
TRAINEE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

#: How a step was passed: the tool ran the guide's commands, the trainee typed them here,
#: did the work in their own shell (checked), or gave up and let the tool do it (solved).
How = Literal["run", "typed", "checked", "solved"]
HOWS: tuple[How, ...] = ("run", "typed", "checked", "solved")


@dataclass
class StepProgress:
    """One step so far: passed or not, how, and what it cost the trainee."""

    how: How | None = None
    hints: int = 0
    #: Attempts the verification did not pass (runs, typed commands, checks).
    retries: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.how is not None


@dataclass
class Progress:
    """Every step of one scenario for one trainee, in plan order."""

    scenario: str
    trainee: str
    steps: dict[str, StepProgress] = field(default_factory=dict)

    def step(self, step_id: str) -> StepProgress:
        return self.steps.setdefault(step_id, StepProgress())

    def next_open(self, step_ids: list[str]) -> int | None:
        """Index in ``step_ids`` of the first step not yet passed; None when all are."""
        for index, step_id in enumerate(step_ids):
            if not self.step(step_id).passed:
                return index
        return None


def check_trainee(name: str) -> str:
    """``name`` if it can name a file; a usage error otherwise."""
    if not TRAINEE_RE.match(name):
        raise UsageError(
            f"trainee name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)"
        )
    return name


@dataclass(frozen=True, slots=True)
class TrainingFiles:
    """Where one trainee's progress and transcript for one scenario and inventory live."""

    run_files: RunFiles
    trainee: str

    @property
    def directory(self) -> Path:
        return self.run_files.root / "training" / self.run_files.key

    @property
    def progress(self) -> Path:
        return self.directory / f"{self.trainee}.json"

    @property
    def transcript(self) -> Path:
        return self.directory / f"{self.trainee}.log"


def save_progress(path: Path, progress: Progress) -> None:
    """Written whole to a temporary file, then renamed: a crash never leaves half a file."""
    private_dir(path.parent)
    data = {
        "v": FORMAT,
        "scenario": progress.scenario,
        "trainee": progress.trainee,
        "steps": {step_id: asdict(step) for step_id, step in progress.steps.items()},
    }
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=1)
        file.write("\n")
    os.replace(temporary, path)


def load_progress(path: Path, scenario: str, trainee: str) -> Progress | None:
    """The saved progress; None when there is none; refused when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise RefusedError(f"{path}: cannot read the training progress ({error})") from None
    try:
        if data.get("v") != FORMAT or data.get("scenario") != scenario:
            raise ValueError("written for another scenario or by another version")
        steps = {}
        for step_id, entry in data["steps"].items():
            how = entry.get("how")
            if how is not None and how not in HOWS:
                raise ValueError(f"step {step_id}: unknown way {how!r}")
            steps[str(step_id)] = StepProgress(
                how=how,
                hints=int(entry.get("hints", 0)),
                retries=int(entry.get("retries", 0)),
                seconds=float(entry.get("seconds", 0.0)),
            )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise RefusedError(
            f"{path}: not a training progress file of {scenario} ({error}); "
            "start again without --resume"
        ) from None
    return Progress(scenario, trainee, steps)
