"""The Ansible export: one playbook per scenario (a play per step) and ``site.yml``."""

from __future__ import annotations

import re
from pathlib import Path

from runbook.errors import ExportError
from runbook.export.templates import jinja_str, render
from runbook.export.view import StepView, ansible_group, context
from runbook.model import Scenario, Verify

#: An Ansible host pattern made of validated group and host names: nothing to template.
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(\[\d+\])?"
HOST_PATTERN_RE = re.compile(rf"{_NAME}(:{_NAME})*")


def host_pattern(pattern: str) -> str:
    """``pattern`` when it holds only names; Ansible templates ``hosts:``, so nothing else."""
    if not HOST_PATTERN_RE.fullmatch(pattern):
        raise ExportError(f"cannot export the host pattern {pattern!r}: it is not plain names")
    return pattern


def wrap(script: str, prelude: list[str]) -> str:
    """The shell text Ansible runs: the runner's shell semantics (``set -e``).

    ``prelude`` holds a legacy file's LOCAL_VARIABLES, set where the script runs.
    """
    lines = ["set -e", *prelude, "{", script.rstrip("\n"), "} </dev/null"]
    return "\n".join(lines)


def verify_failed(verify: Verify, register: str) -> str:
    """The ``failed_when`` condition of a verification task; retried until it is false."""
    condition = f"{register}.rc != {verify.expect_exit}"
    if verify.match is not None:
        condition += (
            f" or {register}.stdout is not search({jinja_str(verify.match)}, multiline=True)"
        )
    return condition


def _environment_expression(scenario: Scenario, group: str, addrs_fact: str) -> str:
    """The Jinja expression of the environment contract, shared by every host's steps."""
    nodes = f"groups[{group!r}]"
    entries = [f"{jinja_str(v.name)}: {v.name}" for v in scenario.variables]
    entries += [
        f"{jinja_str(name)}: {jinja_str(value)}" for name, value in scenario.local_variables
    ]
    entries += [
        f"'RB_NODES': {nodes} | join(' ')",
        f"'RB_NODE_COUNT': {nodes} | length | string",
        f"'RB_ADDRS': {addrs_fact}",
    ]
    numbered = (
        f"dict(range(1, ({nodes} | length) + 1) | map('string') | map('regex_replace', '^', '{{}}')"
        f" | zip({nodes}))"
    )
    combined = [numbered.format("RB_NODE")]
    if scenario.origin == "legacy":
        entries.append(f"'PHD_ENV_nodes': {nodes} | join(' ')")
        combined.append(numbered.format("PHD_ENV_nodes"))
        entries.append("'PHD_ENV_floating_ips': rb_floating_ips | join(' ')")
        combined.append(
            "dict(range(1, (rb_floating_ips | length) + 1) | map('string')"
            " | map('regex_replace', '^', 'PHD_ENV_floating_ips') | zip(rb_floating_ips))"
        )
    return "{{ {" + ", ".join(entries) + "} | combine(" + ", ".join(combined) + ") }}"


def _registered(steps: list[StepView], prefix: str) -> dict[int, str]:
    """For each step, the ``combine`` arguments adding values registered by earlier steps."""
    result: dict[int, str] = {}
    text = ""
    for view in steps:
        result[view.step.index] = text
        name = view.step.options.register
        if name:
            value = (
                f"(hostvars[{view.first_host}][{jinja_str(prefix + str(view.step.index))}]"
                " | default({})).stdout | default('') | trim"
            )
            text += f", {{{jinja_str(name)}: {value}}}"
    return result


def render_playbook(scenario: Scenario, root: Path) -> str:
    """The playbook of one scenario."""
    ctx = context(scenario, root)
    group = ctx["group"]
    steps = ctx["steps"]
    slug = scenario.name.replace("-", "_")
    asserts = [f"groups[{group!r}] | default([]) | length >= {scenario.min_nodes}"]
    asserts += [f"{v.name} is defined" for v in ctx["variables"] if v.default is None]
    hosts_needed = [group]
    for view in steps:
        target = view.step.target
        if target.kind == "local":
            extra = ["localhost"]
        elif target.kind == "host":
            extra = list(target.hosts)
        else:
            extra = [ansible_group(scenario, target)]
        hosts_needed += [h for h in extra if h not in hosts_needed]
        host_pattern(view.pattern)
    return render(
        "ansible.yml.j2",
        **ctx,
        first_play_hosts=host_pattern(":".join(hosts_needed)),
        asserts=asserts,
        env_expression=_environment_expression(scenario, group, f"rb_{slug}_addrs"),
        addrs_expression=(
            f"{{% for h in groups[{group!r}] %}}"
            "{{ hostvars[h].ansible_host | default(h) }}{% if not loop.last %} {% endif %}"
            "{% endfor %}"
        ),
        registered=_registered(steps, f"rb_{slug}_"),
        wrap=lambda script: wrap(script, ctx["local_exports"]),
        verify_failed=verify_failed,
    )


def render_site(order: list[str], sources: dict[str, str], set_aside: dict[str, str]) -> str:
    """``site.yml``: every scenario's playbook, in dependency order, but one of each set of
    alternatives (``set_aside`` maps the others to the one deployed instead)."""
    return render("site.yml.j2", order=order, sources=sources, set_aside=set_aside)
