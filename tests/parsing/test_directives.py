"""Each directive and option, read from rST and MyST into the model."""

from __future__ import annotations

import pytest

from runbook.model import Target, Verify

from .helpers import problem_lines


def test_a_scenario_takes_its_options_and_its_content_as_description(parse) -> None:
    (scenario,), problems = parse(
        """
        .. scenario:: galera
           :title: MariaDB Galera cluster
           :requires: basic-cluster, lb vip
           :hosts: controllers
           :nodes: 3

           Replicates the *databases*.

           On every controller.
        """
    )
    assert problems == []
    assert scenario.name == "galera"
    assert scenario.title == "MariaDB Galera cluster"
    assert scenario.requires == ("basic-cluster", "lb", "vip")
    assert scenario.hosts_role == "controllers"
    assert scenario.min_nodes == 3
    assert scenario.description == "Replicates the databases.\n\nOn every controller."
    assert scenario.origin == "rst"
    assert scenario.docname == "doc"
    assert str(scenario.location) == "doc.rst:1"


def test_a_scenario_without_options_has_the_defaults(parse) -> None:
    (scenario,), _ = parse(".. scenario:: lb\n")
    assert (scenario.title, scenario.requires, scenario.hosts_role, scenario.min_nodes) == (
        "lb",
        (),
        None,
        1,
    )
    assert scenario.steps == ()


@pytest.mark.parametrize(
    ("text", "md"),
    [
        ("Load balancer\n=============\n\n.. scenario:: lb\n", False),
        ("# Load balancer\n\n:::{scenario} lb\n:::\n", True),
        ("Guide\n=====\n\nLoad balancer\n-------------\n\n.. scenario:: lb\n", False),
    ],
)
def test_the_title_defaults_to_the_enclosing_section(parse, text: str, md: bool) -> None:
    (scenario,), _ = parse(text, md=md)
    assert scenario.title == "Load balancer"


def test_a_myst_scenario_is_marked_as_such(parse) -> None:
    (scenario,), _ = parse(":::{scenario} lb\n:::\n", md=True)
    assert scenario.origin == "myst"
    assert str(scenario.location) == "doc.md:1"


def test_variables_declare_defaults_secrets_and_descriptions(parse) -> None:
    (scenario,), problems = parse(
        """
        .. scenario:: s

        .. variable:: cluster_name
           :default: openstack

           The cluster's name.

        .. variable:: password
           :secret:

        .. variable:: address
           :default:
        """
    )
    assert problems == []
    name, password, address = scenario.variables
    assert (name.default, name.secret) == ("openstack", False)
    assert name.description == "The cluster's name."
    assert (password.default, password.required, password.secret) == (None, True, True)
    assert (address.default, address.required) == ("", False)
    assert str(password.location) == "doc.rst:8"


def test_a_default_that_uses_a_secret_is_secret(parse) -> None:
    (scenario,), problems = parse(
        """
        .. scenario:: s

        .. variable:: auth
           :default: root:${password}

        .. variable:: password
           :secret:
        """
    )
    assert problems == []
    assert scenario.variable("auth").secret


def test_a_step_keeps_its_script_verbatim(parse) -> None:
    (scenario,), _ = parse(
        """
        .. scenario:: s

        .. step:: Write a file
           :target: first

           cat > /etc/x <<'EOF'
             indented line

           after a blank line
           EOF
        """
    )
    (step,) = scenario.steps
    assert step.script == "cat > /etc/x <<'EOF'\n  indented line\n\nafter a blank line\nEOF"
    assert (step.id, step.anchor, step.title, step.target) == (
        "s/1",
        "s-1",
        "Write a file",
        Target("first"),
    )
    assert str(step.location) == "doc.rst:3"


def test_step_options_reach_the_model(parse) -> None:
    (scenario,), problems = parse(
        """
        .. scenario:: s

        .. step:: Everything
           :target: node:2@db
           :unless: test -e /done
           :run-once:
           :serial: 2
           :sensitive:
           :expect-exit: 3
           :register: result
           :no-verify: nothing to check
           :shellcheck-disable: SC2086 2016

           exit 3

        .. step:: Copy keys
           :copy: /etc/keys /etc/more
           :copy-from: first@db
           :no-verify: the copy checks itself
        """
    )
    assert problems == []
    first, copy = scenario.steps
    assert first.target == Target("node", role="db", index=2)
    assert first.guard == "test -e /done"
    options = first.options
    assert (options.run_once, options.serial, options.sensitive) == (True, 2, True)
    assert (options.expect_exit, options.register) == (3, "result")
    assert options.no_verify == "nothing to check"
    assert options.shellcheck_disable == ("SC2086", "SC2016")
    assert copy.script == ""
    assert copy.options.copy_paths == ("/etc/keys", "/etc/more")
    assert copy.options.copy_from == Target("first", role="db")


def test_the_verify_option_and_its_waiting_options_make_a_verification(parse) -> None:
    (scenario,), problems = parse(
        """
        .. scenario:: s

        .. step:: Start
           :verify: systemctl is-active mariadb
           :expect-output: ^active$
           :retries: 10
           :delay: 3s
           :timeout: 2m

           systemctl start mariadb
        """
    )
    assert problems == []
    assert scenario.steps[0].verify == Verify(
        command="systemctl is-active mariadb",
        match="^active$",
        retries=10,
        delay=3.0,
        timeout=120.0,
        location=scenario.steps[0].location,
    )


@pytest.mark.parametrize("md", [False, True])
def test_a_verify_directive_verifies_the_step_before_it(parse, md: bool) -> None:
    rst = """
        .. scenario:: s

        .. step:: Start

           systemctl start mariadb

        The cluster should now count three members.

        .. verify::
           :expect-output: ^3$
           :retries: 30
           :delay: 2
           :timeout: 120
           :expect-exit: 1

           mysql -e 'show status' | wc -l
        """
    myst = """
        :::{scenario} s
        :::

        ```{step} Start
        systemctl start mariadb
        ```

        The cluster should now count three members.

        ```{verify}
        :expect-output: ^3$
        :retries: 30
        :delay: 2
        :timeout: 120
        :expect-exit: 1

        mysql -e 'show status' | wc -l
        ```
        """
    (scenario,), problems = parse(myst if md else rst, md=md)
    assert problems == []
    (step,) = scenario.steps
    assert step.verify is not None
    assert (step.verify.command, step.verify.match, step.verify.expect_exit) == (
        "mysql -e 'show status' | wc -l",
        "^3$",
        1,
    )
    assert (step.verify.retries, step.verify.delay, step.verify.timeout) == (30, 2.0, 120.0)
    assert step.verify.location.line == (10 if md else 9)


@pytest.mark.parametrize("md", [False, True], ids=["rst", "myst"])
def test_troubleshooting_text_is_kept_as_paragraphs(parse, md: bool) -> None:
    rst = """
        .. scenario:: s

        .. step:: Form the cluster
           :verify: pcs status
           :troubleshooting: Look at ``journalctl -u corosync``:
              a node that never joins usually cannot reach the others on UDP 5405.

           pcs cluster start --all
        """
    myst = """
        :::{scenario} s
        :::

        ```{step} Form the cluster
        ---
        verify: pcs status
        troubleshooting: |
          Look at `journalctl -u corosync`:
          a node that never joins usually cannot reach the others on UDP 5405.

          Then `pcs cluster start --all` again.
        ---
        pcs cluster start --all
        ```
        """
    (scenario,), problems = parse(myst if md else rst, md=md)
    assert problems == []
    quote = "`" if md else "``"
    first = (
        f"Look at {quote}journalctl -u corosync{quote}: a node that never joins usually "
        "cannot reach the others on UDP 5405."
    )
    expected = first + "\n\nThen `pcs cluster start --all` again." if md else first
    assert scenario.steps[0].troubleshooting == expected


def test_prose_is_the_text_between_steps(parse) -> None:
    (scenario,), _ = parse(
        """
        Title
        =====

        .. scenario:: s

           Not prose: the description.

        Before the *first* step.

        .. variable:: x
           :default: 1

           Not prose: the variable's description.

        Still before it.

        .. step:: One

           true

        Section
        -------

        .. This comment is not prose.

        - one item
        - two items

        .. step:: Two

           true

        .. step:: Three

           true
        """
    )
    one, two, three = scenario.steps
    assert one.prose == "Before the first step.\n\nStill before it."
    assert two.prose == "one item\n\ntwo items"
    assert three.prose == ""


def test_a_scenario_runs_to_the_next_scenario_directive(parse) -> None:
    first, second = parse(
        """
        .. scenario:: a

        .. step:: In a

           true

        .. scenario:: b

        .. step:: In b

           true
        """
    )[0]
    assert [step.id for step in first.steps] == ["a/1"]
    assert [step.id for step in second.steps] == ["b/1"]


def test_a_scenario_does_not_continue_into_another_document(parse) -> None:
    scenarios, problems = parse(".. step:: Alone\n\n   true\n")
    assert scenarios == []
    assert problem_lines(problems) == [
        "doc.rst:1: step outside any scenario; put a scenario directive before it in this "
        "document [orphan-step]"
    ]


def test_legacy_scenario_imports_the_file_with_its_name_and_test_script(parse, tmp_path) -> None:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "hello.scenario").write_text(
        "# Hello\n= SCRIPTS =\ntarget=all\n....\necho hi\n....\n", encoding="utf-8"
    )
    (legacy / "checks.sh").write_text("true\n", encoding="utf-8")
    (tmp_path / "conf.py").write_text("", encoding="utf-8")  # the project: legacy/ is in it
    doc = tmp_path / "guide" / "page.rst"
    doc.parent.mkdir()
    text = (
        ".. legacy-scenario:: ../legacy/hello.scenario\n"
        "   :name: hello-again\n"
        "   :test-script: ../legacy/checks.sh\n"
    )
    (scenario,), problems = parse(text, path=str(doc))
    assert problems == []
    assert scenario.name == "hello-again"
    assert scenario.origin == "legacy"
    assert scenario.verification_script == "true\n"
    assert scenario.docname == "doc"
    assert scenario.location.path == str(legacy / "hello.scenario")
    assert scenario.steps[0].id == "hello-again/1"


def test_steps_after_a_legacy_scenario_belong_to_none(parse, tmp_path) -> None:
    (tmp_path / "x.scenario").write_text("= SCRIPTS =\n....\ntrue\n....\n", encoding="utf-8")
    text = ".. legacy-scenario:: x.scenario\n\n.. step:: Extra\n\n   true\n"
    (scenario,), problems = parse(text, path=str(tmp_path / "doc.rst"))
    assert len(scenario.steps) == 1
    assert [problem.code.value for problem in problems] == ["orphan-step"]
