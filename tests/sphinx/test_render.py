"""How a scenario and its steps look in the built guide (rST and MyST)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docutils import nodes

SECRET_DEFAULT = "do-not-leak-me-42"


@pytest.fixture(params=["rst", "myst"])
def built(request, build):
    return build(request.param)


def test_every_step_has_its_stable_anchor_and_a_permalink(built, read_html):
    page = read_html(built, "galera")
    for number in range(1, 5):
        assert f'id="galera-{number}"' in page
        assert f'href="#galera-{number}"' in page
    assert 'id="scenario-galera"' in page


def test_target_badges_say_where_a_step_runs_in_words(built, read_html):
    page = read_html(built, "galera")
    badges = re.findall(r'<span class="rb-badge rb-target">([^<]*)</span>', page)
    assert badges == [
        "Runs on every node",
        "Runs on the first node",
        "Runs on every node",
        "Runs on every controllers host",
    ]


def test_step_notes_show_guard_run_once_rolling_and_copy(built):
    text = built.env.get_doctree("galera").astext()
    assert "Skipped on a host where this already succeeds: dpkg-query -W galera-4" in text
    assert "Runs once, on the first of these hosts only." in text
    assert "Rolling: 1 host at a time" in text
    assert "Copies /etc/mysql/keys from the first node to the other hosts" in text
    assert "Not verified: files only" in text


def test_verification_says_what_success_looks_like_and_how_long_it_waits(built):
    text = built.env.get_doctree("galera").astext()
    assert "prints a line matching ^active$. Tried up to 11 times, 3 s apart" in text
    assert "waits at most 30 s." in text
    assert (
        "prints a line matching ^3$. Tried up to 31 times, 2 s apart; waits at most 1 min." in text
    )


def test_troubleshooting_text_is_an_if_it_fails_box_after_the_verification(built, read_html):
    doctree = built.env.get_doctree("galera")
    boxes = doctree.findall(nodes.admonition)
    (box,) = [node for node in boxes if "rb-troubleshooting" in node["classes"]]
    assert box.astext() == (
        "If it fails\n\nA node that stays out reads why in journalctl -u mariadb."
    )
    (literal,) = box.findall(nodes.literal)
    assert literal.astext() == "journalctl -u mariadb"
    step = box.parent
    assert step["ids"] == ["galera-3"]
    assert step.index(box) == len(step) - 1
    page = read_html(built, "galera")
    assert re.search(
        r'class="rb-troubleshooting admonition">\s*<p class="admonition-title">If it fails</p>',
        page,
    )


def test_commands_are_bash_blocks_holding_exactly_the_script(built):
    doctree = built.env.get_doctree("galera")
    commands = [
        block for block in doctree.findall(nodes.literal_block) if "rb-command" in block["classes"]
    ]
    assert [block.astext() for block in commands] == [
        "apt-get install -y mariadb-server galera-4",
        "galera_new_cluster",
        "systemctl restart mariadb",
        "true",
    ]
    assert {block["language"] for block in commands} == {"bash"}


def test_variables_table_shows_meaning_and_default_and_hides_secrets(built):
    doctree = built.env.get_doctree("galera")
    table = next(t for t in doctree.findall(nodes.table) if "rb-variables" in t["classes"])
    rows = [
        [entry.astext() for entry in row.findall(nodes.entry)] for row in table.findall(nodes.row)
    ]
    assert rows == [
        ["Name", "Meaning", "Default"],
        ["galera_cluster_name", "The name every node of the cluster uses.", "openstack"],
        ["galera_root_password", "The database root password.", "secret"],
        ["galera_sst_password", "Password of the state-transfer user (required).", "required"],
        ["galera_dsn", "Derived name.", "${galera_cluster_name}-db"],
    ]


def test_export_block_has_placeholders_for_secrets_and_required_values(built):
    doctree = built.env.get_doctree("galera")
    export = next(b for b in doctree.findall(nodes.literal_block) if "rb-export" in b["classes"])
    assert export.astext().splitlines() == [
        "export galera_cluster_name=openstack",
        "export galera_root_password=<galera_root_password>",
        "export galera_sst_password=<galera_sst_password>",
        'export galera_dsn="${galera_cluster_name}-db"',
    ]


def test_scenario_header_shows_the_commands_to_run_it(built):
    text = built.env.get_doctree("galera").astext()
    for command in (
        "make run SCENARIO=galera",
        "runbook run galera -i INVENTORY -e VARS.yml --with-deps",
        'runbook train galera -i "$(runbook testbed inventory)" -e scenarios/vars/testbed.yml',
    ):
        assert command in text
    assert "VARS.yml is a YAML file that gives galera_root_password, galera_sst_password" in text


def test_requires_link_to_the_required_scenario(built, read_html):
    page = read_html(built, "galera")
    assert re.search(r'<a class="reference internal" href="base.html#scenario-base"[^>]*>', page)
    header = built.env.get_doctree("galera").astext()
    assert "Runs on3 or more hosts of the group controllers" in header.replace("\n", "")


def test_scenario_and_step_roles_link_with_titles(built, read_html):
    links = dict(
        re.findall(
            r'<a class="reference internal" href="([^"]+)"[^>]*>(.*?)</a>',
            read_html(built, "index"),
        )
    )
    text = {href: re.sub(r"<[^>]+>", "", inner) for href, inner in links.items()}
    assert text["galera.html#scenario-galera"] == "MariaDB Galera cluster"
    assert text["galera.html#galera-2"] == "Bootstrap the first node (galera/2)"
    assert text["base.html#scenario-base"] == "the base"


def test_a_secret_default_appears_nowhere_in_the_build(built):
    for path in Path(built.outdir).rglob("*"):
        if path.is_file():
            assert SECRET_DEFAULT.encode() not in path.read_bytes(), path


def test_deployment_order_lists_required_scenarios_first_with_a_graph(built, read_html):
    page = read_html(built, "order")
    ordered = page[page.index('<ol class="simple rb-order">') :]
    assert re.findall(r'href="(\w+).html#scenario-', ordered)[:2] == ["base", "galera"]
    assert "rb-order-graph" in page
    assert len(list((Path(built.outdir) / "_images").glob("graphviz-*.png"))) == 1


def test_text_builder_writes_the_same_steps(build):
    app = build("rst", "text")
    text = (Path(app.outdir) / "galera.txt").read_text(encoding="utf-8")
    assert "Step 2 **Bootstrap the first node**" in text
    assert "galera_new_cluster" in text
    assert SECRET_DEFAULT not in text


def test_rst_and_myst_render_the_same_blocks(build, blocks):
    results = {}
    for root in ("rst", "myst"):
        app = build(root)
        results[root] = blocks(app, "galera") + blocks(app, "base")
    assert results["rst"] == results["myst"]
    assert len(results["rst"]) == 7
