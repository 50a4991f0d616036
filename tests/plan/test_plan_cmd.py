"""``runbook plan`` end to end: text and JSON output, inputs, errors and exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from runbook.cli.main import main

from .helpers import REPO, THREE_NODES

LEGACY = REPO / "scenarios" / "legacy" / "galera.scenario"

GUIDE_PAGE = """\
Web tier
========

.. scenario:: web
   :hosts: controllers
   :nodes: 2

.. variable:: web_password
   :secret:

   The admin password.

.. variable:: web_port
   :default: 8080

   Where the server listens.

Install the server first.

.. step:: Install nginx
   :target: all
   :unless: dpkg-query -W nginx
   :verify: systemctl is-active nginx
   :expect-output: ^active$
   :retries: 5

   apt-get install -y nginx

.. step:: Report
   :target: local
   :no-verify: only prints

   echo "web on $RB_NODES"
"""


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "web.rst").write_text(GUIDE_PAGE, encoding="utf-8")
    return tmp_path / "docs"


@pytest.fixture
def inventory(write) -> Path:
    return write("inventory.yml", THREE_NODES)


def test_plan_of_a_guide_scenario_as_text(capsys, docs: Path, inventory: Path) -> None:
    status = main(
        ["plan", "web", "--docs", str(docs), "-i", str(inventory), "-e", "web_password=pw"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("scenario web: Web tier\n")
    assert "nodes:    node1, node2, node3 (group controllers, at least 2)" in out
    assert "web_password = ********  (-e)" in out
    assert "web_port     = 8080  (default, " in out
    assert "  web/1  Install nginx\n" in out
    assert "target:   all (every node) -> node1, node2, node3" in out
    assert "unless:   dpkg-query -W nginx" in out
    assert "      | apt-get install -y nginx" in out
    assert "verify:   systemctl is-active nginx  (exit 0, output matches ^active$, 5 retries" in out
    assert f"source:   {docs / 'web.rst'}:" in out
    assert "target:   local (this workstation) -> localhost" in out
    assert "pw" not in out.replace("web_password", "")


def test_without_an_inventory_required_values_show_as_required(capsys, docs: Path) -> None:
    assert main(["plan", "web", "--docs", str(docs)]) == 0
    out = capsys.readouterr().out
    assert "web_password = <required>  (secret)" in out
    assert "(no inventory given)" in out
    assert "-> " not in out


def test_plan_as_json_matches_the_schema(capsys, docs: Path, inventory: Path, plan_schema) -> None:
    args = ["plan", "web", "--docs", str(docs), "-i", str(inventory), "-e", "web_password=pw"]
    assert main([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    plan_schema.validate(data)
    assert [step["hosts"] for step in data["steps"]] == [["node1", "node2", "node3"], ["localhost"]]
    assert data["scenario"]["origin"] == "rst"


def test_plan_of_a_legacy_file_with_a_variables_file(capsys, write, inventory: Path) -> None:
    variables = write("vars.yml", "galera:\n  cluster_name: ha\nclustercheck_password: s3cret\n")
    status = main(
        ["plan", str(LEGACY), "-i", str(inventory), "-e", str(variables), "--format", "json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    values = {v["name"]: v["value"] for v in data["variables"]}
    assert values == {
        "PHD_VAR_galera_cluster_name": "ha",
        "PHD_VAR_clustercheck_password": "********",
    }
    assert data["steps"][3]["hosts"] == ["node1"]
    assert data["scenario"]["origin"] == "legacy"


def test_hosts_on_the_command_line_instead_of_an_inventory(capsys) -> None:
    args = ["plan", str(LEGACY), "-H", "db1,db2,root@db3:2222", "-e", "galera_cluster_name=x"]
    assert main([*args, "-e", "clustercheck_password=y", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"] == ["db1", "db2", "db3"]
    assert data["inventory"]["hosts"][2]["port"] == 2222


def test_plan_errors_exit_1_with_every_problem(capsys, docs: Path, write) -> None:
    small = write("small.txt", "only1 192.0.2.1 roles=controllers\n")
    status = main(["plan", "web", "--docs", str(docs), "-i", str(small)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("runbook: error: 2 problems:\n")
    assert f"{docs / 'web.rst'}:4: scenario 'web' needs at least 2 nodes" in err
    assert "required variable web_password has no value" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "nothing-here"], "no scenario named 'nothing-here'"),
        (["plan", "missing.scenario"], "cannot read missing.scenario"),
        (["plan", str(LEGACY), "-i", "missing.yml"], "cannot read missing.yml"),
        (["plan", str(LEGACY), "-e", "missing-vars.yml"], "cannot read missing-vars.yml"),
    ],
)
def test_input_errors_exit_1(capsys, docs: Path, args: list[str], message: str) -> None:
    assert main([*args, "--docs", str(docs)]) == 1
    assert message in capsys.readouterr().err


def test_legacy_import_warnings_go_to_stderr(capsys, write) -> None:
    path = write("odd.scenario", "= REQUIREMENTS =\nwidgets: 3\n= SCRIPTS =\n....\ntrue\n....\n")
    assert main(["plan", str(path)]) == 0
    assert f"{path}:2: warning: unknown requirement 'widgets'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["plan"],
        ["plan", "x", "--format", "yaml"],
        ["plan", "x", "-i", "a.yml", "-H", "b"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == 2


def test_plan_imports_neither_sphinx_nor_fabric(docs: Path) -> None:
    code = (
        "import sys\n"
        "from runbook.cli.main import main\n"
        f"assert main(['plan', 'web', '--docs', {str(docs)!r}]) == 0\n"
        f"assert main(['plan', {str(LEGACY)!r}]) == 0\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "heavy = sorted(loaded & {'sphinx', 'fabric', 'paramiko'})\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
