"""An exported Fabric module runs a ``copy`` step: it packs the files on the copy-from host.

The step's copy-from host comes from the plan, as for ``runbook run``; a Fabric module
that looked it up another way failed on the first copy step of any guide.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runbook.docutils_.loader import load_scenario
from runbook.export.writer import generate, write

from .helpers import REPO

BIN = Path(sys.executable).parent

SOURCE = """\
Copy demo
=========

.. scenario:: copy-demo
   :title: Copies files on the control host

.. step:: Make the files
   :target: local
   :no-verify: the next step reads them

   mkdir -p {src}/keys
   echo key-1 > {src}/keys/one

.. step:: Copy the files
   :target: local
   :copy: {src}/keys
   :copy-from: local
   :verify: cat {src}/keys/one
   :expect-output: ^key-1$
"""


def test_exported_fabric_module_runs_a_copy_step(tmp_path: Path) -> None:
    source = tmp_path / "copy.rst"
    source.write_text(SOURCE.format(src=tmp_path / "src"))
    scenario = load_scenario(str(source), docs_dir=REPO / "docs")
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    write(generate({scenario.name: scenario}, tmp_path), runbooks)
    (runbooks / "inventory.txt").write_text("node1 192.0.2.1\n")
    result = subprocess.run(
        [
            str(BIN / "fab"),
            "-r",
            str(runbooks),
            "-c",
            "copy-demo",
            "deploy",
            "--inventory",
            str(runbooks / "inventory.txt"),
        ],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The runner's own report: the copy step ran and its verification read the file.
    assert "[2/2] copy-demo/2 Copy the files" in result.stdout
    assert "done in" in result.stdout and "2 ok" in result.stdout
    assert "Traceback" not in result.stderr
