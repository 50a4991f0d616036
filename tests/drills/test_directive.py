"""The drill directive: rST and MyST give the same doctree and drill; problems at file:line."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from runbook.drills.guide import load_drills, parse_drills
from runbook.model.drill import Budget, Drill, Fault, Probe
from runbook.parsing.drill import parse_fault, parse_probes

RST = textwrap.dedent(
    """\
    Title
    =====

    .. drill:: vip-lost
       :title: The VIP holder loses power
       :scenarios: basic-cluster lb
       :fault: poweroff vip-holder
       :probes: tcp:3306 sql:keystone
       :downtime: 15s
       :lost-writes: 0
       :hold: 20s
       :symptom: Clients time out.
       :hints: Look at pcs status.
          Wait for the node.

       crm_mon -1
    """
)

MYST = textwrap.dedent(
    """\
    # Title

    :::{drill} vip-lost
    ---
    title: The VIP holder loses power
    scenarios: basic-cluster lb
    fault: poweroff vip-holder
    probes: tcp:3306 sql:keystone
    downtime: 15s
    lost-writes: 0
    hold: 20s
    symptom: Clients time out.
    hints: |
      Look at pcs status.
      Wait for the node.
    ---
    crm_mon -1
    :::
    """
)


def _doctree(text: str, path: str) -> str:
    import copy

    from docutils import utils

    from runbook.docutils_.drill import drill_directive_registered, drill_node
    from runbook.docutils_.loader import _parser, _settings

    myst = path.endswith(".md")
    settings = copy.copy(_settings(myst))
    settings.runbook_problems = []
    document = utils.new_document(path, settings)
    with drill_directive_registered():
        _parser(myst).parse(text, document)
    (node,) = document.findall(drill_node)
    return "".join(child.pformat() for child in node.children)


def test_rst_and_myst_give_the_same_drill_and_card() -> None:
    (rst,), rst_problems = parse_drills(RST, "page.rst")
    (myst,), myst_problems = parse_drills(MYST, "page.md")
    assert rst_problems == myst_problems == []
    assert dataclasses.replace(rst, location=None) == dataclasses.replace(myst, location=None)
    assert str(rst.location) == "page.rst:4"
    assert str(myst.location) == "page.md:3"
    assert rst.hints == ("Look at pcs status.", "Wait for the node.")
    assert rst.verify == "crm_mon -1"
    assert rst.budget == Budget(downtime=15, lost_writes=0)
    assert _doctree(RST, "page.rst") == _doctree(MYST, "page.md")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (":fault: explode node1", "drill option :fault: unknown fault 'explode'"),
        (":probes: tcp", "drill option :probes: the tcp probe needs a port"),
        (":fault: kill-service node1", "drill option :fault: kill-service takes a node and a unit"),
        (":downtime: soon", "drill option :downtime: 'soon' is not a duration"),
        (":colour: red", "unknown option :colour: of the drill directive"),
    ],
)
def test_a_bad_option_is_reported_at_its_line(option: str, message: str) -> None:
    options = {":scenarios:": "lb", ":fault:": "poweroff node1", ":probes:": "tcp:80"}
    options[":downtime:"] = "5s"
    key, value = option.split(" ", 1)
    options[key] = value
    lines = [".. drill:: d", *(f"   {name} {text}" for name, text in options.items())]
    line = next(n for n, text in enumerate(lines, 1) if text.strip() == option)
    drills, problems = parse_drills("\n".join(lines) + "\n", "page.rst")
    assert drills == []
    assert [str(p.location) for p in problems] == [f"page.rst:{line}"]
    assert problems[0].message.startswith(message)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (":fault: poweroff node1\n   :probes: tcp:80", "a drill needs a budget"),
        (":fault: poweroff node1\n   :downtime: 1s", "at least one probe"),
        (":probes: tcp:80\n   :downtime: 1s", "needs :fault:"),
        (
            ":fault: poweroff node1\n   :probes: tcp:80\n   :lost-writes: 0",
            "a :lost-writes: budget needs an sql probe",
        ),
    ],
)
def test_an_incomplete_drill_is_reported_at_the_directive(options: str, message: str) -> None:
    text = f"Some prose.\n\n.. drill:: d\n   :scenarios: lb\n   {options}\n"
    drills, problems = parse_drills(text, "page.rst")
    assert drills == []
    assert [str(p.location) for p in problems] == ["page.rst:3"]
    assert problems[0].message.startswith("drill 'd': ")
    assert message in problems[0].message


def test_fault_and_probe_specs_read_back_as_written() -> None:
    assert str(parse_fault("netem other delay=0.2s loss=5%")) == "netem other delay=200ms loss=5%"
    assert parse_fault("outage") == Fault("outage")
    assert parse_fault("kill-service vip-holder haproxy").unit == "haproxy"
    labels = [p.label for p in parse_probes("tcp:3306, amqp memcached http:8080/v3 sql:nova")]
    assert labels == ["tcp:3306", "amqp", "memcached", "http:8080/v3", "sql:nova"]
    with pytest.raises(ValueError, match="names its database"):
        parse_probes("sql")
    with pytest.raises(ValueError, match="hits every node"):
        parse_fault("outage node1")


def test_the_model_refuses_what_cannot_run() -> None:
    base = dict(
        name="d",
        title="t",
        scenarios=("lb",),
        fault=Fault("poweroff", ("node1",)),
        probes=(Probe("tcp", 80),),
        budget=Budget(downtime=1),
    )
    assert Drill(**base).hold == 30
    with pytest.raises(ValueError, match="lower-case"):
        Drill(**{**base, "name": "Bad Name"})
    with pytest.raises(ValueError, match="twice"):
        Drill(**{**base, "probes": (Probe("tcp", 80), Probe("tcp", 80))})
    with pytest.raises(ValueError, match="negative"):
        Budget(downtime=-1)


def test_the_guide_drills_load_without_problems_and_cover_part_one(pytestconfig) -> None:
    guide = load_drills(pytestconfig.rootpath / "docs")
    assert guide.problems == []
    kinds = {drill.fault.kind for drill in guide.drills.values()}
    assert {"poweroff", "kill-service", "link-down", "netem", "outage"} <= kinds
    for drill in guide.drills.values():
        assert drill.docname and drill.docname.startswith("recovery/"), drill.name


def test_a_drill_name_used_twice_is_a_problem(tmp_path) -> None:
    page = ".. drill:: d\n   :scenarios: lb\n   :fault: outage\n   :probes: tcp:80\n   :mttr: 1m\n"
    (tmp_path / "a.rst").write_text(page)
    (tmp_path / "b.rst").write_text(page)
    guide = load_drills(tmp_path)
    assert [(str(p.location), p.message) for p in guide.problems] == [
        (f"{tmp_path}/b.rst:1", f"duplicate drill name 'd'; the first is at {tmp_path}/a.rst:1")
    ]
