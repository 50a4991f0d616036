"""The secrets scan: no output of the project contains a secret value it was given.

One scenario uses secrets every way a careless author could (echoed to standard output
and error, written into verification output, captured from a sensitive step, printed by
a failing step) with values from a variables file, the command line and the testbed's
own example variables. Then everything the project produces from it is searched for
each value, raw and in its HTML and JSON escaped forms: the console of ``run`` (with
``-v``, ``--json``, ``--dry-run``, ``--check``, the resume hint), ``plan``, error
messages, ``train``, journals, transcripts, the JUnit report, the executed HTML built
from the run, the whole guide's HTML and every export.
"""

from __future__ import annotations

import html
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from runbook.docutils_.loader import load_guide

pytestmark = pytest.mark.testbed

ROOT = Path(__file__).parents[2]
TESTBED_VARS = ROOT / "scenarios" / "vars" / "testbed.yml"
FILE_SECRET = "sec-File-Value-7f3a"
CLI_SECRET = "sec-Cli-<Value>&'quoted'-9b2c"
TOKEN_SEED = "sec-Token-Seed-41d0"


def guide_secrets() -> dict[str, str]:
    """The testbed's example values of every variable the guide declares secret."""
    values = yaml.safe_load(TESTBED_VARS.read_text())
    declared = {
        variable.name
        for scenario in load_guide(ROOT / "docs").scenarios.values()
        for variable in scenario.variables
        if variable.secret
    }
    return {name: str(value) for name, value in values.items() if name in declared}


def forms(secret: str) -> set[str]:
    """A value as it would appear if leaked into text, HTML or JSON."""
    return {secret, html.escape(secret), html.escape(secret, quote=False), json.dumps(secret)[1:-1]}


SCENARIO = """\
Secretive
=========

.. scenario:: secretive

   Uses secrets every careless way.

.. variable:: file_secret
   :secret:

   From a variables file.

.. variable:: cli_secret
   :secret:

   From the command line.

.. variable:: hacluster_password
   :secret:

   The testbed's example value.

.. step:: Echo the secrets everywhere
   :verify: grep -q "$file_secret" {remote}/kept && echo "verified $file_secret $cli_secret"
   :expect-output: verified

   echo "$file_secret" > {remote}/kept
   echo "out: $file_secret $cli_secret $hacluster_password"
   echo "err: $file_secret $cli_secret $hacluster_password" >&2

.. step:: Make a token
   :sensitive:
   :register: token

   echo "token-$(cat {remote}/seed)"

.. step:: Show the token

   echo "the token is $token"

.. step:: Fail loudly
   :no-verify: it fails on purpose

   echo "failing with $file_secret $cli_secret $hacluster_password $token"
   exit 7
"""


@pytest.fixture
def setting(bed, remote, tmp_path):
    """The scenario (in a tiny guide of its own), its variables file and the secrets."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.rst").write_text(SCENARIO.format(remote=remote))
    for node in bed.nodes:
        bed.ssh(node, f"printf %s {TOKEN_SEED} > {remote}/seed").check_returncode()
    from_guide = guide_secrets()
    variables = tmp_path / "vars.yml"
    variables.write_text(yaml.safe_dump({"file_secret": FILE_SECRET, **from_guide}))
    secrets = {FILE_SECRET, CLI_SECRET, f"token-{TOKEN_SEED}", *from_guide.values()}
    return docs, variables, secrets


def runbook(*args: str, state_dir: Path, stdin: str = "") -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "-m", "runbook.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RUNBOOK_STATE_DIR": str(state_dir)},
        cwd=ROOT,
    )
    return result.returncode, result.stdout + result.stderr


def sphinx(source: Path, output: Path, *options: str) -> None:
    """A real HTML build with the guide's configuration."""
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", str(ROOT)]
    subprocess.run([*command, str(source), str(output), *options], check=True, cwd=ROOT)


def files_under(*roots: Path) -> dict[str, str]:
    return {
        str(path): path.read_bytes().decode("utf-8", "replace")
        for root in roots
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.mark.proves(
    "secret",
    "Secret values (a variables file, `-e NAME=VALUE`, the testbed's example passwords, "
    "a sensitive step's registered output) echoed, verified on and failed with",
    "None appears in any output: `run` (verbose, `--json`, `--dry-run`, `--check`, the "
    "resume hint), `plan`, error messages, `train`, journals, transcripts, JUnit, the "
    "executed HTML built from the run, the guide's HTML or the exports; each shows "
    "`********`. The runner's state directory is 0700, its journals and transcripts 0600.",
)
def test_no_output_of_the_project_contains_a_secret(bed, remote, state_dir, tmp_path, setting):
    docs, variables, secrets = setting
    source = str(docs / "index.rst")
    inventory = str(bed.inventory_path)
    given = ["-i", inventory, "-e", str(variables), "-e", f"cli_secret={CLI_SECRET}"]
    junit = tmp_path / "junit.xml"
    outputs: dict[str, str] = {}

    status, outputs["run -v --json --junit"] = runbook(
        "run", source, *given, "-v", "--json", "--junit", str(junit), state_dir=state_dir
    )
    assert status == 1, outputs["run -v --json --junit"]
    assert "out: ******** ******** ********" in outputs["run -v --json --junit"]
    assert "cli_secret=********" in outputs["run -v --json --junit"]  # the resume hint
    # The failed step uses the sensitive step's value, which is never kept: refused.
    status, outputs["run --resume"] = runbook(
        "run", source, *given, "--resume", state_dir=state_dir
    )
    assert status == 3 and "registers 'token'" in outputs["run --resume"]
    for mode in ("--dry-run", "--check"):
        _, outputs[f"run {mode}"] = runbook("run", source, *given, mode, state_dir=state_dir)
    for form in ("text", "json"):
        _, outputs[f"plan {form}"] = runbook(
            "plan", source, *given, "--format", form, state_dir=state_dir
        )
    status, outputs["train"] = runbook(
        "train", source, *given, stdin="r\nr\nr\nr\nq\n", state_dir=state_dir
    )
    assert "********" in outputs["train"]

    wrong = tmp_path / "wrong.yml"
    wrong.write_text(yaml.safe_dump({"file_secret": [FILE_SECRET], "cli_secret": {CLI_SECRET: 1}}))
    status, outputs["error: a secret of the wrong type"] = runbook(
        "run", source, "-i", inventory, "-e", str(wrong), state_dir=state_dir
    )
    assert status == 3
    nul = tmp_path / "nul.yml"
    nul.write_text(f'file_secret: "{FILE_SECRET}\\0"\n')
    status, outputs["error: a NUL in a secret"] = runbook(
        "run", source, *given, "-e", str(nul), state_dir=state_dir
    )
    assert status == 3

    executed = tmp_path / "executed"
    sphinx(docs, executed, "-D", f"runbook_results={state_dir}")
    assert "failing with ******** ********" in (executed / "index.html").read_text()
    guide_html = tmp_path / "guide-html"
    sphinx(ROOT / "docs", guide_html)
    exports = tmp_path / "exports"
    assert runbook("export", "-o", str(exports / "guide"), state_dir=state_dir)[0] == 0
    assert runbook("export", source, "-o", str(exports / "secretive"), state_dir=state_dir)[0] == 0

    outputs.update(files_under(state_dir, executed, guide_html, exports))
    outputs[str(junit)] = junit.read_text()
    assert any(name.endswith(".jsonl") for name in outputs)
    assert any(name.endswith(".log") for name in outputs)
    leaks = [
        (name, secret)
        for name, text in outputs.items()
        for secret in secrets
        if any(form in text for form in forms(secret))
    ]
    assert leaks == []

    assert stat.S_IMODE(state_dir.stat().st_mode) == 0o700
    for path in state_dir.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
