"""Figure 4: building the guide, and a generated guide of 50 scenarios, with Sphinx.

Each project is a copy in the work directory (the repository's own ``docs/`` is never
touched) built with the command ``make html`` runs, minus ``-W`` so a warning in someone's
work in progress does not stop the benchmark. Per round: a full build with ``-j auto`` and
one with ``-j 1`` (fresh output each), then, in one output directory kept across rounds,
a rebuild after touching one page and a rebuild with nothing changed; and ``runbook
check``. The size of the saved environment is read after every build of that kept
directory, so growth across rebuilds shows.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.corpus import write_guide_corpus
from bench.measure import Sample, summary, timed

BIN = Path(sys.executable).parent
SPHINX_BUILD = BIN / "sphinx-build"
RUNBOOK = BIN / "runbook"
REPO = Path(__file__).resolve().parent.parent

UPDATING = re.compile(r"updating environment: (?:\[[^\]]*\] )?(\d+) added, (\d+) changed")
CONFIG_CHANGED = re.compile(r"The configuration has changed \(([^)]*)\)")


@dataclass(frozen=True)
class Project:
    """A guide to build: its sources, the page to touch, and how ``runbook check`` runs."""

    name: str
    root: Path
    docs: Path
    touch: Path
    check_args: tuple[str, ...]


def guide_project(workdir: Path) -> Project:
    """A snapshot of the repository's guide, with the scenarios directory check reads."""
    root = workdir / "guide"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    pages = sorted((root / "docs" / "scenarios").glob("galera.*")) or sorted(
        (root / "docs").rglob("*.md")
    )
    return Project("guide", root, root / "docs", pages[0], ())


def corpus_project(workdir: Path, scenarios: int, steps: int, only: str | None = None) -> Project:
    name = "corpus" if only is None else f"corpus-{only}"
    root = workdir / name
    shutil.rmtree(root, ignore_errors=True)
    docs = write_guide_corpus(root, scenarios, steps, only=only)
    pages = sorted(p for p in docs.iterdir() if p.stem != "index")
    return Project(
        name,
        root,
        docs,
        pages[len(pages) // 2],
        ("-i", str(root / "inventory.yml"), "-e", str(root / "vars.yml")),
    )


def sphinx(project: Project, out: Path, jobs: str) -> Sample:
    argv = [SPHINX_BUILD, "--keep-going", "-j", jobs, "-c", REPO, "-b", "html", project.docs, out]
    return timed(argv, cwd=project.root)


def _read_count(sample: Sample) -> int | None:
    match = UPDATING.search(sample.output)
    return int(match.group(1)) + int(match.group(2)) if match else None


def _pickle_size(out: Path) -> int:
    path = out / ".doctrees" / "environment.pickle"
    return path.stat().st_size if path.exists() else 0


class _Series:
    """The measured builds of one project across rounds."""

    def __init__(self) -> None:
        self.walls: dict[str, list[float]] = {}
        self.reads: dict[str, list[int | None]] = {}
        self.config_changed: set[str] = set()
        self.pickle_sizes: list[int] = []
        self.failures: list[str] = []

    def add(self, case: str, sample: Sample) -> None:
        if not sample.ok:
            tail = "\n".join(sample.output.strip().splitlines()[-8:])
            self.failures.append(f"{case}: exit {sample.status}: {tail}")
        self.walls.setdefault(case, []).append(sample.wall)
        self.reads.setdefault(case, []).append(_read_count(sample))
        for match in CONFIG_CHANGED.finditer(sample.output):
            self.config_changed.add(match.group(1))


def _touch(path: Path) -> None:
    now = time.time()
    os.utime(path, (now, now))


def measure(
    workdir: Path,
    *,
    corpus_scenarios: int,
    corpus_steps: int,
    rounds: int,
    log: Callable[[str], None],
    guide: bool = True,
) -> dict[str, Any]:
    projects = [corpus_project(workdir, corpus_scenarios, corpus_steps)]
    if guide:
        projects.insert(0, guide_project(workdir))
    halves = [
        corpus_project(workdir, corpus_scenarios, corpus_steps, only=syntax)
        for syntax in ("rst", "md")
    ]
    series = {project.name: _Series() for project in [*projects, *halves]}
    for round_index in range(rounds):
        for project in projects:
            record = series[project.name]
            kept = workdir / "out" / f"{project.name}-kept"
            scratch = workdir / "out" / f"{project.name}-scratch"
            step = f"  round {round_index + 1}/{rounds}: {project.name}"
            full_out = kept if round_index == 0 else scratch
            shutil.rmtree(full_out, ignore_errors=True)
            log(f"{step}: full build, -j auto")
            record.add("full", sphinx(project, full_out, "auto"))
            if round_index == 0:
                record.pickle_sizes.append(_pickle_size(kept))
            shutil.rmtree(scratch, ignore_errors=True)
            log(f"{step}: full build, -j 1")
            record.add("full_j1", sphinx(project, scratch, "1"))
            _touch(project.touch)
            log(f"{step}: rebuild after touching {project.touch.name}")
            record.add("incremental", sphinx(project, kept, "auto"))
            record.pickle_sizes.append(_pickle_size(kept))
            log(f"{step}: rebuild with nothing changed")
            record.add("nothing_changed", sphinx(project, kept, "auto"))
            record.pickle_sizes.append(_pickle_size(kept))
            log(f"{step}: runbook check")
            record.add("check", timed([RUNBOOK, "check", *project.check_args], cwd=project.root))
        for half in halves:
            out = workdir / "out" / half.name
            shutil.rmtree(out, ignore_errors=True)
            log(f"  round {round_index + 1}/{rounds}: {half.name}: full build, -j 1")
            series[half.name].add("full_j1", sphinx(half, out, "1"))
    shutil.rmtree(workdir / "out", ignore_errors=True)

    result: dict[str, Any] = {
        "rounds": rounds,
        "corpus": {"scenarios": corpus_scenarios, "steps": corpus_steps},
        "projects": {},
    }
    for name, record in series.items():
        result["projects"][name] = {
            "builds": {case: summary(walls, 3) for case, walls in record.walls.items()},
            "documents_read": {case: reads for case, reads in record.reads.items()},
            "environment_pickle_bytes": record.pickle_sizes,
            "config_changed": sorted(record.config_changed),
            "failures": record.failures,
        }
    return result
