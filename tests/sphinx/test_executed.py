"""The executed guide: a real run's outputs under each step, secrets masked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docutils import nodes

SECRET = "hunter2-but-longer"
STARTED = datetime(2026, 11, 21, 21, 46, 30, tzinfo=UTC).timestamp()


def _journal(records: list[dict], version: int = 1) -> str:
    return "".join(json.dumps({"v": version, "run": "r1", **record}) + "\n" for record in records)


def _base_journal() -> str:
    """A format 2 journal of ``base``: the inventory's name and each host's facts."""
    node1 = {"pacemaker": "2.1.5-1+deb12u1", "corosync": "3.1.7-1", "pcs": "0.11.5-1"}
    node3 = {**node1, "pacemaker": "2.1.5-1", "pcs": None}
    debian = "Debian GNU/Linux 12 (bookworm)"
    return _journal(
        [
            {
                "t": "run",
                "time": STARTED,
                "scenario": "base",
                "inventory": "3f2a9c0d1b7e",
                "inventory_name": "testbed default",
                "hosts": ["node1", "node2", "node3"],
            },
            *(
                {"t": "host", "time": STARTED + 1, "step": "base/1", "host": host, "status": "ok"}
                for host in ("node1", "node2", "node3")
            ),
            {"t": "facts", "host": "node1", "os": debian, "packages": node1},
            {"t": "facts", "host": "node2", "os": debian, "packages": node1},
            {"t": "facts", "host": "node3", "os": debian, "packages": node3},
            {"t": "end", "time": STARTED + 4, "status": "done", "complete": True},
        ],
        version=2,
    )


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """A runner state directory as the runner leaves it after one run of ``galera``."""
    root = tmp_path / "state"
    (root / "journals").mkdir(parents=True)
    (root / "journals" / "galera--testbed.jsonl").write_text(
        _journal(
            [
                {
                    "t": "run",
                    "time": STARTED,
                    "scenario": "galera",
                    "inventory": "testbed",
                    "hosts": ["node1", "node2"],
                    "steps": {},
                    "selected": [],
                },
                {
                    "t": "host",
                    "time": STARTED + 1,
                    "step": "galera/1",
                    "host": "node1",
                    "status": "ok",
                    "phase": "script",
                    "exit": 0,
                },
                {
                    "t": "host",
                    "time": STARTED + 1,
                    "step": "galera/1",
                    "host": "node2",
                    "status": "skipped",
                    "phase": "guard",
                    "exit": 0,
                },
                {
                    "t": "host",
                    "time": STARTED + 2,
                    "step": "galera/2",
                    "host": "node1",
                    "status": "ok",
                    "phase": "verify",
                    "exit": 0,
                },
                {
                    "t": "host",
                    "time": STARTED + 3,
                    "step": "galera/3",
                    "host": "node1",
                    "status": "failed",
                    "phase": "verify",
                    "exit": 1,
                    "message": "the output did not match ^3$",
                },
                {"t": "end", "time": STARTED + 4, "status": "failed", "complete": False},
            ]
        )
    )
    (root / "journals" / "base--3f2a9c0d1b7e.jsonl").write_text(_base_journal())
    transcripts = root / "transcripts" / "galera--testbed" / "r1"
    transcripts.mkdir(parents=True)
    (transcripts / "node1.log").write_text(
        "\n=== 21:46:40 galera/1 Install the MariaDB and Galera packages\n"
        "--- script: exit 0, 3.10s\n"
        "$ apt-get install -y mariadb-server galera-4\n"
        + "".join(f"Unpacking package {n} ...\n" for n in range(30))
        + f"Setting root password to {SECRET}\n"
        "=== ok\n"
        "\n=== 21:46:44 galera/2 Bootstrap the first node\n"
        "--- script: exit 0, 0.50s\n"
        "$ galera_new_cluster\n"
        "--- verify: exit 0, 0.01s\n"
        "$ systemctl is-active mariadb\n"
        "activating\n"
        "--- verify (try 2): exit 0, 0.01s\n"
        "$ systemctl is-active mariadb\n"
        "active\n"
        "=== ok\n"
        "\n=== 21:46:50 galera/3 Join the other nodes\n"
        "--- script: exit 0, 1.00s\n"
        "$ systemctl restart mariadb\n"
        "--- verify: exit 0, 0.02s\n"
        "$ mysql -N -B -e ...\n"
        "1\n"
        "=== failed: the output did not match ^3$\n"
        "=== run failed\n"
    )
    (transcripts / "node2.log").write_text(
        "\n=== 21:46:40 galera/1 Install the MariaDB and Galera packages\n"
        "--- guard: exit 0, 0.05s\n"
        "$ dpkg-query -W galera-4\n"
        "galera-4\t26.4.14-1\n"
        "=== skipped\n"
    )
    return root


@pytest.fixture
def executed(build, state_dir: Path, tmp_path: Path):
    variables = tmp_path / "vars.yml"
    variables.write_text(f"galera_root_password: {SECRET}\ngalera_sst_password: sst\n")
    return build(
        "rst",
        confoverrides={
            "runbook_results": str(state_dir),
            "runbook_results_variables": [str(variables)],
        },
    )


def _resolved(app, docname: str) -> nodes.document:
    return app.env.get_and_resolve_doctree(docname, app.builder, tags=app.tags)


def _header(app, docname: str) -> list[str]:
    proven = next(
        box
        for box in _resolved(app, docname).findall(nodes.container)
        if "rb-proven" in box["classes"]
    )
    return [paragraph.astext() for paragraph in proven.findall(nodes.paragraph)]


def test_header_names_the_testbed_its_os_and_each_package_version(executed):
    assert _header(executed, "base") == [
        "Last proven 2026-11-21 21:46 UTC on testbed default (node1, node2, node3; "
        "Debian GNU/Linux 12 (bookworm)): passed; 1 of 1 steps passed on every host.",
        "Packages: pacemaker = 2.1.5-1+deb12u1 (node1, node2), 2.1.5-1 (node3); "
        "corosync = 3.1.7-1; pcs = 0.11.5-1 (node1, node2), unknown (node3).",
        "Inventory key 3f2a9c0d1b7e, run r1.",
    ]


def test_header_of_a_format_1_journal_says_versions_are_unknown(executed):
    assert _header(executed, "galera") == [
        "Last run 2026-11-21 21:46 UTC on the inventory testbed (node1, node2): failed; "
        "2 of 3 steps passed on every host.",
        "Package versions unknown: this run's journal records none.",
        "Inventory key testbed, run r1.",
    ]


def test_header_hosts_on_different_systems_are_named_per_system(build, state_dir, tmp_path):
    journal = state_dir / "journals" / "base--3f2a9c0d1b7e.jsonl"
    text = journal.read_text().replace(
        '"node3", "os": "Debian GNU/Linux 12 (bookworm)"', '"node3", "os": "Rocky Linux 9.4"'
    )
    journal.write_text(text)
    app = build("rst", confoverrides={"runbook_results": str(state_dir)})
    assert _header(app, "base")[0].startswith(
        "Last proven 2026-11-21 21:46 UTC on testbed default (node1, node2, node3; "
        "node1, node2: Debian GNU/Linux 12 (bookworm); node3: Rocky Linux 9.4): passed;"
    )


def test_package_versions_are_marked_up_for_the_stylesheet(executed, read_html):
    html = read_html(executed, "base")
    assert 'class="rb-packages' in html
    assert '<span class="rb-package"><code' in html
    assert 'class="rb-proven-key' in html


def test_each_step_shows_its_hosts_status_and_trimmed_output(executed):
    step = next(
        box
        for box in _resolved(executed, "galera").findall(nodes.container)
        if box.get("rb_step_id") == "galera/1"
    )
    text = step.astext()
    assert "node1 passed" in text
    assert "node2 skipped: already done" in text
    assert "[19 lines above]" in text
    assert "Unpacking package 29 ..." in text and "Unpacking package 5 ..." not in text


def test_verification_result_and_failure_are_shown(executed):
    doctree = _resolved(executed, "galera")
    steps = {box.get("rb_step_id"): box.astext() for box in doctree.findall(nodes.container)}
    assert "verification passed after 2 tries" in steps["galera/2"]
    assert "failed (verify: the output did not match ^3$)" in steps["galera/3"]


def test_a_secret_from_the_variables_never_reaches_the_executed_html(executed):
    assert "********" in (Path(executed.outdir) / "galera.html").read_text()
    for path in Path(executed.outdir).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_without_results_the_guide_shows_no_run(build, read_html):
    assert "rb-proven" not in read_html(build("rst"), "galera")
