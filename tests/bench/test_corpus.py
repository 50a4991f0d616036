"""The generated guide the build figure measures is a valid guide of the size it claims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The harness is a package at the repository's root, beside tests/: run it as make does.
COUNT = """
import sys
from pathlib import Path
from bench.corpus import write_guide_corpus
from runbook.docutils_.loader import load_guide
docs = write_guide_corpus(Path(sys.argv[1]), 6, 10, only=sys.argv[2] or None)
guide = load_guide(docs)
print(len(guide.scenarios), sum(len(s.steps) for s in guide.scenarios.values()),
      len(guide.problems), sorted({s.origin for s in guide.scenarios.values()}))
"""


def count(tmp_path: Path, only: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-c", COUNT, str(tmp_path), only],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_corpus_is_half_rst_half_myst_with_every_step_and_no_problem(tmp_path: Path) -> None:
    assert count(tmp_path) == "6 60 0 ['myst', 'rst']"


def test_each_half_alone_is_a_valid_guide(tmp_path: Path) -> None:
    assert count(tmp_path / "rst", "rst") == "3 30 0 ['rst']"
    assert count(tmp_path / "md", "md") == "3 30 0 ['myst']"
