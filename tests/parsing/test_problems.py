"""Every problem a guide author can make is reported with its file:line, never raised."""

from __future__ import annotations

import pytest

from .helpers import problem_lines

S = ".. scenario:: s\n\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            S + ".. step:: Go\n   :target: all\n   :colour: red\n\n   true\n",
            "doc.rst:5: unknown option :colour: of the step directive (known: :target:, "
            ":unless:, :verify:, :expect-output:, :retries:, :delay:, :timeout:, :run-once:, "
            ":serial:, :sensitive:, :expect-exit:, :register:, :no-verify:, "
            ":shellcheck-disable:, :copy:, :copy-from:, :troubleshooting:) [option]",
            id="unknown-step-option",
        ),
        pytest.param(
            ".. scenario:: s\n   :node: 3\n",
            "doc.rst:2: unknown option :node: of the scenario directive "
            "(known: :title:, :requires:, :provides:, :hosts:, :nodes:) [option]",
            id="unknown-scenario-option",
        ),
        pytest.param(
            ".. scenario:: s\n   :nodes: three\n",
            "doc.rst:2: scenario option :nodes: 'three' is not a whole number of 1 or more "
            "[option]",
            id="bad-nodes",
        ),
        pytest.param(
            ".. scenario:: s\n   :hosts: controllers, compute\n",
            "doc.rst:2: scenario option :hosts: 'controllers, compute' is not an inventory "
            "group name (letters, digits, '-', '_') [option]",
            id="bad-hosts",
        ),
        pytest.param(
            ".. scenario:: s\n   :requires: Basic\n",
            "doc.rst:2: scenario option :requires: 'Basic' is not a scenario name "
            "(lower-case letters, digits and dashes) [option]",
            id="bad-requires",
        ),
        pytest.param(
            S + ".. step:: Go\n   :target: nodes:2\n\n   true\n",
            "doc.rst:4: step option :target: unknown target 'nodes:2'; expected all, first, "
            "node:N, local, host:NAME, role:NAME, or all@ROLE/first@ROLE/node:N@ROLE [target]",
            id="unknown-target-form",
        ),
        pytest.param(
            S + ".. step:: Go\n   :target:\n\n   true\n",
            "doc.rst:4: step option :target: empty target; expected all, first, node:N, "
            "local, host:NAME, role:NAME, or all@ROLE/first@ROLE/node:N@ROLE [target]",
            id="missing-target",
        ),
        pytest.param(
            S + ".. step:: Go\n   :copy: /x\n   :copy-from: node:0\n\n   true\n",
            "doc.rst:5: step option :copy-from: target 'node:0': nodes are counted from 1 "
            "(node:1 is the first) [target]",
            id="bad-copy-from",
        ),
        pytest.param(
            S + ".. step:: Go\n   :retries: -1\n   :verify: true\n\n   true\n",
            "doc.rst:4: step option :retries: '-1' is not a whole number (0, 1, 2, ...) [option]",
            id="bad-retries",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: true\n   :delay: soon\n\n   true\n",
            "doc.rst:5: step option :delay: 'soon' is not a duration; write seconds (3, 3s), "
            "minutes (2m) or hours (1h) [option]",
            id="bad-delay",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: true\n   :timeout: 5x\n\n   true\n",
            "doc.rst:5: step option :timeout: '5x' is not a duration; write seconds (3, 3s), "
            "minutes (2m) or hours (1h) [option]",
            id="bad-timeout",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: true\n   :timeout: 0\n\n   true\n",
            "doc.rst:3: timeout must be more than 0 [verify]",
            id="zero-timeout",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: true\n   :expect-output: (\n\n   true\n",
            "doc.rst:5: step option :expect-output: '(' is not a valid regular expression: "
            "missing ), unterminated subpattern at position 0 [option]",
            id="bad-regex",
        ),
        pytest.param(
            S + ".. step:: Go\n   :serial: 0\n\n   true\n",
            "doc.rst:4: step option :serial: '0' is not a whole number of 1 or more [option]",
            id="bad-serial",
        ),
        pytest.param(
            S + ".. step:: Go\n   :expect-exit: 300\n\n   true\n",
            "doc.rst:4: step option :expect-exit: '300' is not an exit status (a whole number "
            "from 0 to 255) [option]",
            id="bad-expect-exit",
        ),
        pytest.param(
            S + ".. step:: Go\n   :run-once: yes\n\n   true\n",
            "doc.rst:4: step option :run-once: is a flag and takes no value (got 'yes') [option]",
            id="flag-with-value",
        ),
        pytest.param(
            S + ".. step:: Go\n   :register: my-var\n\n   true\n",
            "doc.rst:4: step option :register: 'my-var' is not a shell variable name "
            "(letters, digits, _) [option]",
            id="bad-register",
        ),
        pytest.param(
            S + ".. step:: Go\n   :no-verify:\n\n   true\n",
            "doc.rst:4: step option :no-verify: needs a reason: why the step cannot be "
            "verified [option]",
            id="no-verify-without-reason",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: true\n   :troubleshooting:\n\n   true\n",
            "doc.rst:5: step option :troubleshooting: needs a value [option]",
            id="empty-troubleshooting",
        ),
        pytest.param(
            S + ".. step:: Go\n   :shellcheck-disable: 86\n\n   true\n",
            "doc.rst:4: step option :shellcheck-disable: '86' is not a shellcheck code "
            "(like SC2086) [option]",
            id="bad-shellcheck-code",
        ),
        pytest.param(
            S + ".. step:: Go\n   :copy: etc/x\n   :copy-from: first\n",
            "doc.rst:4: step option :copy: 'etc/x' is not an absolute path [option]",
            id="relative-copy",
        ),
        pytest.param(
            S + ".. step:: Go\n   :copy: /etc/x\n",
            "doc.rst:3: copy needs copy-from: the host the files come from [step]",
            id="copy-without-copy-from",
        ),
        pytest.param(
            S + ".. step:: Go\n",
            "doc.rst:3: the step has an empty script [step]",
            id="empty-script",
        ),
        pytest.param(
            S + ".. step::\n\n   true\n",
            "doc.rst:3: the step has no title [step]",
            id="no-title",
        ),
        pytest.param(
            S + ".. step:: Go\n   :unless:\n\n   true\n",
            "doc.rst:4: step option :unless: needs a value [option]",
            id="empty-guard",
        ),
        pytest.param(
            S + ".. step:: Go\n   :retries: 3\n\n   true\n",
            "doc.rst:3: :retries: belongs to a verification; add :verify: or move it to a "
            "verify directive [step]",
            id="waiting-without-verification",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: true\n   :no-verify: why\n\n   true\n",
            "doc.rst:3: :no-verify: is given but the step has a verification [step]",
            id="no-verify-with-verification",
        ),
        pytest.param(
            S + ".. step:: Go\n   :retries: 3\n\n   true\n\n.. verify::\n\n   true\n",
            "doc.rst:3: :retries: on the step is ignored when a verify directive follows; put "
            "it on the verify directive [step]",
            id="waiting-on-step-and-verify-directive",
        ),
        pytest.param(
            S + ".. verify::\n\n   true\n",
            "doc.rst:3: verify directive without a step before it; it verifies the step just "
            "above [orphan-verify]",
            id="verify-without-step",
        ),
        pytest.param(
            S + ".. step:: Go\n   :verify: a\n\n   true\n\n.. verify::\n\n   b\n",
            "doc.rst:8: the step 'Go' already has a verification (at line 3); a step has one "
            "[verify]",
            id="second-verification",
        ),
        pytest.param(
            S + ".. step:: Go\n\n   true\n\n.. verify::\n\n   a\n\n.. verify::\n\n   b\n",
            "doc.rst:11: the step 'Go' already has a verification (at line 7); a step has one "
            "[verify]",
            id="two-verify-directives",
        ),
        pytest.param(
            S + ".. step:: Go\n\n   true\n\n.. verify::\n",
            "doc.rst:7: the verification has no command [verify]",
            id="empty-verify",
        ),
        pytest.param(
            ".. variable:: x\n",
            "doc.rst:1: variable outside any scenario; put a scenario directive before it in "
            "this document [orphan-variable]",
            id="variable-outside-scenario",
        ),
        pytest.param(
            S + ".. variable:: 1x\n",
            "doc.rst:3: variable name '1x' is not a shell identifier (letters, digits, _) "
            "[variable]",
            id="bad-variable-name",
        ),
        pytest.param(
            S + ".. variable::\n",
            "doc.rst:3: the variable directive needs a name [variable]",
            id="variable-without-name",
        ),
        pytest.param(
            S + ".. variable:: x\n\n.. variable:: x\n",
            "doc.rst:5: variable 'x' is declared twice; the first is at doc.rst:3 [duplicate]",
            id="duplicate-variable",
        ),
        pytest.param(
            S + ".. variable:: url\n   :default: http://${host}/\n",
            "doc.rst:3: the default of 'url' refers to ${host}, which is not a variable "
            "declared in this scenario [variable]",
            id="undeclared-reference",
        ),
        pytest.param(
            S + ".. variable:: a\n   :default: ${b}\n\n.. variable:: b\n   :default: ${a}\n",
            "doc.rst:3: variable defaults refer to each other: a -> b -> a [variable]",
            id="reference-cycle",
        ),
        pytest.param(
            S + ".. variable:: x\n   :secret: yes\n",
            "doc.rst:4: variable option :secret: is a flag and takes no value (got 'yes') [option]",
            id="secret-with-value",
        ),
        pytest.param(
            ".. scenario::\n",
            "doc.rst:1: the scenario directive needs a name [scenario]",
            id="scenario-without-name",
        ),
        pytest.param(
            ".. scenario:: Galera_DB\n",
            "doc.rst:1: scenario name 'Galera_DB' must be lower-case letters, digits and "
            "dashes [scenario]",
            id="bad-scenario-name",
        ),
        pytest.param(
            ".. scenario:: s\n\n.. scenario:: s\n",
            "doc.rst:3: duplicate scenario name 's'; the first is at doc.rst:1 [duplicate]",
            id="duplicate-scenario",
        ),
        pytest.param(
            S + ".. step:: Go\n   :target: all\n   true\n",
            'doc.rst:3: Error in "step" directive: invalid option block. [syntax]',
            id="rst-option-block-without-blank-line",
        ),
        pytest.param(
            ".. scenario:: s\n\n   .. step:: Hidden\n\n      true\n",
            "doc.rst:3: a step directive inside the content of a scenario directive is "
            "ignored; write it after that directive [syntax]",
            id="step-inside-scenario-content",
        ),
        pytest.param(
            ".. legacy-scenario::\n",
            "doc.rst:1: legacy-scenario needs the path of a file [legacy]",
            id="legacy-without-path",
        ),
    ],
)
def test_each_problem_is_reported_at_its_line(parse, text: str, expected: str) -> None:
    _, problems = parse(text)
    assert problem_lines(problems) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            ':::{scenario} s\n:::\n\n```{step} Go\n:unless: "quoted" text\n\ntrue\n```\n',
            "doc.md:5: step directive: Invalid options format: expected key to start at "
            "column 0 (MyST reads option values like YAML: quote the whole value when it "
            "starts with a quote, '>' or '|', or contains ' #') [syntax]",
            id="myst-option-quoting",
        ),
        pytest.param(
            ":::{scenario} s\n:::\n\n```{step} Go\n:verify: grep -q x /etc/y # why\n\ntrue\n```\n",
            "doc.md:5: step directive: Directive options has # comments, which may not be "
            "supported in future versions. (MyST reads option values like YAML: quote the "
            "whole value when it starts with a quote, '>' or '|', or contains ' #') [syntax]",
            id="myst-option-comment",
        ),
        pytest.param(
            ":::{scenario} s\n:::\n\n```{step} Go\n:target: nodes:2\n\ntrue\n```\n",
            "doc.md:5: step option :target: unknown target 'nodes:2'; expected all, first, "
            "node:N, local, host:NAME, role:NAME, or all@ROLE/first@ROLE/node:N@ROLE [target]",
            id="myst-unknown-target",
        ),
        pytest.param(
            ":::{scenario} s\n:colour: red\n:::\n",
            "doc.md:2: unknown option :colour: of the scenario directive "
            "(known: :title:, :requires:, :provides:, :hosts:, :nodes:) [option]",
            id="myst-unknown-option",
        ),
        pytest.param(
            "```{verify}\ntrue\n```\n",
            "doc.md:1: verify directive without a step before it; it verifies the step just "
            "above [orphan-verify]",
            id="myst-verify-without-step",
        ),
        pytest.param(
            ":::{scenario} s\n:::\n\n```{step} Go\n```\n",
            "doc.md:4: the step has an empty script [step]",
            id="myst-empty-script",
        ),
        pytest.param(
            ":::{scenario} s\n:::\n\n```{step} Go\n:verify: true\n:troubleshooting:\n\ntrue\n```\n",
            "doc.md:6: step option :troubleshooting: needs a value [option]",
            id="myst-empty-troubleshooting",
        ),
    ],
)
def test_myst_problems_are_reported_at_their_line(parse, text: str, expected: str) -> None:
    _, problems = parse(text, md=True)
    assert problem_lines(problems) == [expected]


def test_a_broken_step_is_skipped_and_the_next_steps_are_numbered_on(parse) -> None:
    (scenario,), problems = parse(
        S
        + ".. step:: One\n\n   true\n\n"
        + ".. step:: Broken\n   :target: everywhere\n\n   true\n\n"
        + ".. step:: Three\n\n   true\n"
    )
    assert [problem.code.value for problem in problems] == ["target"]
    assert [(step.id, step.title) for step in scenario.steps] == [("s/1", "One"), ("s/2", "Three")]


def test_every_problem_in_a_document_is_reported_in_line_order(parse) -> None:
    _, problems = parse(
        ".. step:: Orphan\n\n   true\n\n"
        ".. scenario:: s\n   :nodes: 0\n\n"
        ".. step:: Go\n   :serial: x\n\n   true\n"
    )
    assert [problem.location.line for problem in problems] == [1, 6, 9]


def test_a_missing_legacy_file_is_reported_at_the_directive(parse, tmp_path) -> None:
    doc = tmp_path / "doc.rst"
    _, problems = parse(".. legacy-scenario:: gone.scenario\n", path=str(doc))
    (problem,) = problems
    assert (problem.location.path, problem.location.line) == (str(doc), 1)
    assert problem.code.value == "legacy"
    assert "gone.scenario" in problem.message


def test_a_broken_legacy_file_is_reported_at_its_own_line(parse, tmp_path) -> None:
    (tmp_path / "bad.scenario").write_text("= SCRIPTS =\n\n....\nnever closed\n", "utf-8")
    _, problems = parse(".. legacy-scenario:: bad.scenario\n", path=str(tmp_path / "doc.rst"))
    (problem,) = problems
    assert problem.location.path == str(tmp_path / "bad.scenario")
    assert problem.location.line == 3
    assert problem.code.value == "legacy"
