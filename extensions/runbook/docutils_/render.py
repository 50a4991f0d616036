"""Scenarios and steps as standard docutils nodes, so every writer and builder can show them.

The placeholders the directives leave in a doctree are replaced by what these functions
build: containers, paragraphs, tables and ``literal_block`` nodes with ``rb-`` classes,
nothing writer-specific. Links to other scenarios come from a callback because a Sphinx
build makes cross-references and plain docutils cannot.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence

from docutils import nodes

from runbook.docutils_.troubleshooting import troubleshooting_box
from runbook.model import Scenario, Step, Variable, Verify
from runbook.parsing.shell_names import shell_names
from runbook.parsing.variables import REFERENCE_RE

#: Builds the node that links to a scenario by name (a pending_xref under Sphinx).
ScenarioLink = Callable[[str], nodes.Node]


def plain_link(name: str) -> nodes.Node:
    """A scenario name as literal text, for writers with no cross-references."""
    return nodes.literal(name, name)


def scenario_anchor(name: str) -> str:
    """The id of a scenario's header block; steps use ``Step.anchor`` (``name-N``)."""
    return f"scenario-{name}"


def render_scenario(
    scenario: Scenario,
    link: ScenarioLink = plain_link,
    *,
    description: Sequence[nodes.Node] = (),
    variable_descriptions: Mapping[str, Sequence[nodes.Node]] | None = None,
) -> nodes.container:
    """The scenario's header: what it needs, its variables, how to run it.

    ``description`` and ``variable_descriptions`` are the directives' parsed content, kept
    with its markup; without them the model's plain-text descriptions are used.
    """
    box = nodes.container(classes=["rb-scenario"], ids=[scenario_anchor(scenario.name)])
    box["rb_name"] = scenario.name
    title = nodes.paragraph(classes=["rb-scenario-title"])
    title += nodes.inline("Scenario", "Scenario", classes=["rb-kicker"])
    title += nodes.Text(" ")
    title += nodes.strong(scenario.title, scenario.title)
    title += nodes.Text(" ")
    title += nodes.literal(scenario.name, scenario.name, classes=["rb-name"])
    box += title
    box += _facts(scenario, link)
    if description:
        box += nodes.container("", *description, classes=["rb-description"])
    else:
        box.extend(_paragraphs(scenario.description, "rb-description"))
    if scenario.variables:
        box += nodes.rubric("Variables", "Variables", classes=["rb-heading"])
        box += _variables_table(scenario, variable_descriptions or {})
    box += nodes.rubric("Run it", "Run it", classes=["rb-heading"])
    box += _run_commands(scenario)
    if scenario.variables or plan_values_read(scenario):
        box += nodes.rubric(
            "Export these variables", "Export these variables", classes=["rb-heading"]
        )
        hint = (
            "To follow the steps by hand, set the variables in your shell first; "
            "replace each <placeholder> with your value."
        )
        if plan_values_read(scenario):
            hint += (
                " The RB_ values are the ones the runner computes from your inventory (the "
                "variables reference lists them, under The environment a script sees); "
                "those marked per host differ on each host, so set them in each host's shell."
            )
        box += nodes.paragraph(text=hint, classes=["rb-hint"])
        box += _code(export_block(scenario), ["rb-export"])
    return box


def render_step(step: Step, scenario: Scenario | None = None) -> nodes.container:
    """One numbered step: title, where it runs, notes, the command, the verification.

    With its ``scenario``, the card also names the inventory group the step's hosts come
    from and the variables it reads, so a reader knows what to set and where.
    """
    box = nodes.container(classes=["rb-step"], ids=[step.anchor])
    box["rb_step_id"] = step.id
    title = nodes.paragraph(classes=["rb-step-title"])
    title += nodes.inline(f"Step {step.index}", f"Step {step.index}", classes=["rb-step-number"])
    title += nodes.Text(" ")
    title += nodes.strong(step.title, step.title)
    box += title
    box += _badges(step)
    if scenario is not None:
        box += _where_and_what(step, scenario)
    notes = _notes(step)
    if notes:
        box += notes
    if step.script.strip():
        box += _code(step.script, ["rb-command"])
    if step.verify is not None:
        box += _verification(step.verify)
    elif step.options.no_verify:
        box += nodes.paragraph(
            text=f"Not verified: {step.options.no_verify}", classes=["rb-no-verify"]
        )
    if step.troubleshooting:
        box += troubleshooting_box(step.troubleshooting)
    return box


def export_block(scenario: Scenario) -> str:
    """``export`` lines for every variable; secrets and required ones as ``<name>``.

    A placeholder is left unquoted on purpose: pasted unchanged, the shell refuses the line
    instead of exporting the placeholder text. A default built from a secret keeps its
    ``${name}`` reference, so no value is ever written here.
    """
    lines = []
    for variable in scenario.variables:
        if variable.default is None or variable.secret:
            value = f"<{variable.name}>"
        else:
            value = _shell_value(variable.default)
        lines.append(f"export {variable.name}={value}")
    for name in plan_values_read(scenario):
        placeholder, note = _plan_value_placeholder(name)
        lines.append(f"export {name}={placeholder}  # {note}")
    return "\n".join(lines)


#: What each value the runner computes holds, as a placeholder and a note for a reader.
_PLAN_VALUES: tuple[tuple[str, str, str], ...] = (
    (r"RB_NODES|PHD_ENV_nodes", "<node1 node2 ...>", "the hosts, space separated"),
    (r"RB_NODE_COUNT", "<how many hosts>", "the number of hosts"),
    (r"RB_NODE(\d+)|PHD_ENV_nodes(\d+)", "<host {0}>", "the name of host {0}"),
    (r"RB_ADDRS", "<address1 address2 ...>", "the hosts' addresses, same order"),
    (r"RB_HOST", "<this host>", "per host: the name of the host you are on"),
    (r"RB_ADDRESS", "<this host address>", "per host: the address of the host you are on"),
    (r"PHD_ENV_floating_ips", "<ip1 ip2 ...>", "the floating addresses, space separated"),
    (r"PHD_ENV_floating_ips(\d+)", "<floating address {0}>", "floating address {0}"),
)


def _step_texts(step: Step) -> list[str]:
    texts = [step.script, step.guard or ""]
    if step.verify is not None:
        texts.append(step.verify.command)
    return texts


def _names_read(step: Step) -> frozenset[str]:
    """Every variable the step's script, guard and verification mention."""
    return frozenset().union(*(shell_names(text).mentioned for text in _step_texts(step)))


def plan_values_read(scenario: Scenario) -> list[str]:
    """The runner-computed names (``RB_*``, ``PHD_ENV_*``) the scenario's commands read.

    A reader following the page by hand has no runner to set them, so the export block
    names them too; only the ones a command reads, in a stable order.
    """
    found = frozenset().union(*(_names_read(step) for step in scenario.steps))
    known = [name for name in found if _plan_value_kind(name) is not None]
    return sorted(known, key=lambda name: (_plan_value_kind(name), len(name), name))


def _plan_value_kind(name: str) -> int | None:
    """The row of ``_PLAN_VALUES`` that describes ``name`` (the reference's order)."""
    for position, (pattern, _placeholder, _note) in enumerate(_PLAN_VALUES):
        if re.fullmatch(pattern, name):
            return position
    return None


def _plan_value_placeholder(name: str) -> tuple[str, str]:
    """``(placeholder, note)`` for a runner-computed name the page knows."""
    pattern, placeholder, note = _PLAN_VALUES[_plan_value_kind(name) or 0]
    match = re.fullmatch(pattern, name)
    number = next((group for group in match.groups() if group), "") if match else ""
    return placeholder.format(number), note.format(number)


def describe_wait(verify: Verify) -> str:
    """How often and how long a verification is tried, in words."""
    tries = verify.retries + 1
    if verify.retries == 0:
        text = "Checked once"
        if verify.timeout is not None:
            text += f", for at most {format_seconds(verify.timeout)}"
        return text + "."
    text = f"Tried up to {tries} times, {format_seconds(verify.delay)} apart"
    return text + f"; waits at most {format_seconds(verify.max_wait)}."


def format_seconds(seconds: float) -> str:
    """``45 s``, ``2 min``, ``1 min 30 s``: durations as a reader says them."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:g} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def _shell_value(default: str) -> str:
    """A default as a shell word; ``${name}`` references stay expandable."""
    if not REFERENCE_RE.search(default):
        return shlex.quote(default)
    escaped = re.sub(r'([\\"`])', r"\\\1", default)
    escaped = re.sub(r"\$(?!\{[A-Za-z_][A-Za-z0-9_]*\})", r"\\$", escaped)
    return f'"{escaped}"'


def _facts(scenario: Scenario, link: ScenarioLink) -> nodes.field_list:
    facts = nodes.field_list(classes=["rb-facts"])
    requires = nodes.paragraph()
    if scenario.requires:
        for position, name in enumerate(scenario.requires):
            if position:
                requires += nodes.Text(", ")
            requires += link(name)
    else:
        requires += nodes.Text("nothing: it can run first")
    facts += _field("Requires", requires)
    group = f"of the group {scenario.hosts_role}" if scenario.hosts_role else "of the inventory"
    count = "host" if scenario.min_nodes == 1 else "hosts"
    facts += _field(
        "Runs on", nodes.paragraph(text=f"{scenario.min_nodes} or more {count} {group}")
    )
    if scenario.roles:
        roles = nodes.paragraph()
        for position, role in enumerate(scenario.roles):
            if position:
                roles += nodes.Text(", ")
            roles += nodes.literal(role, role, classes=["rb-role"])
        facts += _field("Inventory groups", roles)
    facts += _field("Steps", nodes.paragraph(text=str(len(scenario.steps))))
    return facts


def _field(name: str, body: nodes.Element) -> nodes.field:
    field = nodes.field()
    field += nodes.field_name(name, name)
    field += nodes.field_body("", body)
    return field


def _variables_table(
    scenario: Scenario, descriptions: Mapping[str, Sequence[nodes.Node]]
) -> nodes.table:
    table = nodes.table(classes=["rb-variables"])
    group = nodes.tgroup(cols=3)
    table += group
    for width in (25, 50, 25):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += _row([[nodes.paragraph(text=text)] for text in ("Name", "Meaning", "Default")])
    group += head
    body = nodes.tbody()
    for variable in scenario.variables:
        name = nodes.paragraph("", "", nodes.literal(variable.name, variable.name))
        meaning = list(descriptions.get(variable.name, ())) or [
            nodes.paragraph(text=" ".join(variable.description.split()))
        ]
        body += _row([[name], meaning, [_default_cell(variable)]])
    group += body
    return table


def _default_cell(variable: Variable) -> nodes.paragraph:
    if variable.secret:
        return nodes.paragraph("", "", nodes.inline("secret", "secret", classes=["rb-secret"]))
    if variable.default is None:
        return nodes.paragraph("", "", nodes.emphasis("required", "required"))
    if variable.default == "":
        return nodes.paragraph("", "", nodes.emphasis("empty", "empty"))
    return nodes.paragraph("", "", nodes.literal(variable.default, variable.default))


def _row(cells: Sequence[Sequence[nodes.Node]]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        row += nodes.entry("", *cell)
    return row


#: The testbed's own values for every scenario of the guide (what `make run` passes).
TESTBED_VARIABLES = "scenarios/vars/testbed.yml"


def run_commands(scenario: Scenario) -> list[tuple[str, str]]:
    """``(label, command)`` pairs that work as printed for this scenario.

    A scenario with required values or secrets without a default needs a variables file;
    one that requires others runs them first with ``--with-deps``.
    """
    name = scenario.name
    needed = [v.name for v in scenario.variables if v.default is None or v.secret]
    values = " -e VARS.yml" if needed else ""
    deps = " --with-deps" if scenario.requires else ""
    testbed = f'-i "$(runbook testbed inventory)" -e {TESTBED_VARIABLES}'
    return [
        ("On the local testbed", f"make run SCENARIO={name}"),
        ("On your own hosts", f"runbook run {name} -i INVENTORY{values}{deps}"),
        ("As a guided exercise on the testbed", f"runbook train {name} {testbed}"),
    ]


def _run_commands(scenario: Scenario) -> nodes.container:
    commands = nodes.container(classes=["rb-run"])
    for label, command in run_commands(scenario):
        commands += nodes.paragraph(text=label, classes=["rb-run-label"])
        commands += _code(command, ["rb-run-command"])
    needed = [v.name for v in scenario.variables if v.default is None or v.secret]
    if needed or scenario.requires:
        note = nodes.paragraph(classes=["rb-hint"])
        if needed:
            note += nodes.Text("VARS.yml is a YAML file that gives ")
            for position, variable in enumerate(needed):
                if position:
                    note += nodes.Text(", ")
                note += nodes.literal(variable, variable)
            note += nodes.Text(
                (", and the values the scenarios it requires need" if scenario.requires else "")
                + " (scenarios/vars/production.example.yml is a starting point). "
            )
        if scenario.requires:
            note += nodes.literal("--with-deps", "--with-deps")
            note += nodes.Text(" first runs what it requires, skipping what is already done. ")
        note += nodes.Text("A guided exercise needs what the scenario requires deployed first (")
        note += nodes.literal("make run", "make run")
        note += nodes.Text(" does that).")
        commands += note
    return commands


def _badges(step: Step) -> nodes.paragraph:
    badges = nodes.paragraph(classes=["rb-badges"])
    target = f"Runs on {step.target.describe()}"
    badges += nodes.inline(target, target, classes=["rb-badge", "rb-target"])
    extra = []
    if step.options.run_once:
        extra.append(("once", "rb-once"))
    if step.options.serial:
        extra.append((f"{step.options.serial} at a time", "rb-serial"))
    if step.guard:
        extra.append(("skipped when done", "rb-guarded"))
    if step.options.sensitive:
        extra.append(("output hidden", "rb-sensitive"))
    for text, css in extra:
        badges += nodes.Text(" ")
        badges += nodes.inline(text, text, classes=["rb-badge", css])
    return badges


def hosts_of(step: Step, scenario: Scenario) -> str:
    """The inventory hosts a step runs on, in terms of groups (before any inventory)."""
    target = step.target
    if target.kind == "local":
        return "the workstation that runs runbook (not an inventory host)"
    if target.kind == "host":
        return "the inventory hosts " + ", ".join(target.hosts)
    group = target.role or scenario.hosts_role
    pool = f"group {group}" if group else "inventory (every host)"
    if target.kind == "all":
        return f"every host of the {pool}"
    if target.kind == "first":
        return f"the first host of the {pool}"
    return f"host number {target.index} of the {pool}"


def step_variables(step: Step, scenario: Scenario) -> list[str]:
    """The scenario's variables, earlier steps' registered values and runner values the
    step reads, in the order a reader meets them (declared, registered, runner's)."""
    read = _names_read(step)
    declared = [v.name for v in scenario.variables if v.name in read]
    registered = [
        earlier.options.register
        for earlier in scenario.steps[: step.index - 1]
        if earlier.options.register and earlier.options.register in read
    ]
    runner = [name for name in sorted(read) if _plan_value_kind(name) is not None]
    return list(dict.fromkeys(declared + registered + runner))


def _where_and_what(step: Step, scenario: Scenario) -> nodes.field_list:
    facts = nodes.field_list(classes=["rb-step-facts"])
    facts += _field("Hosts", nodes.paragraph(text=hosts_of(step, scenario)))
    names = step_variables(step, scenario)
    if names:
        uses = nodes.paragraph()
        for position, name in enumerate(names):
            if position:
                uses += nodes.Text(", ")
            uses += nodes.literal(name, name, classes=["rb-variable-name"])
        facts += _field("Reads", uses)
    return facts


def _notes(step: Step) -> nodes.bullet_list | None:
    notes = nodes.bullet_list(classes=["rb-notes"])
    options = step.options
    if step.guard:
        notes += _item(
            "Skipped on a host where this already succeeds: ", nodes.literal(step.guard, step.guard)
        )
    if options.run_once:
        notes += _item("Runs once, on the first of these hosts only.")
    if options.serial:
        hosts = "host" if options.serial == 1 else "hosts"
        notes += _item(f"Rolling: {options.serial} {hosts} at a time, each batch verified first.")
    if options.copy_paths and options.copy_from is not None:
        paths = " ".join(options.copy_paths)
        notes += _item(
            f"Copies {paths} from {options.copy_from.describe()} to the other hosts, "
            "through the workstation."
        )
    if options.expect_exit:
        notes += _item(f"The command is expected to exit with status {options.expect_exit}.")
    if options.register:
        notes += _item(
            "Its output is saved as ",
            nodes.literal(f"${options.register}", f"${options.register}"),
            " for later steps.",
        )
    if options.sensitive:
        notes += _item("Its output is not shown: it may contain secrets.")
    return notes if notes.children else None


def _item(*parts: str | nodes.Node) -> nodes.list_item:
    paragraph = nodes.paragraph()
    for part in parts:
        paragraph += nodes.Text(part) if isinstance(part, str) else part
    return nodes.list_item("", paragraph)


def _verification(verify: Verify) -> nodes.container:
    box = nodes.container(classes=["rb-verify"])
    box += nodes.paragraph(text="Check that it worked:", classes=["rb-verify-title"])
    box += _code(verify.command, ["rb-verify-command"])
    success = nodes.paragraph(classes=["rb-success"])
    success += nodes.Text(f"Success: it exits with status {verify.expect_exit}")
    if verify.match is not None:
        success += nodes.Text(" and prints a line matching ")
        success += nodes.literal(verify.match, verify.match)
    success += nodes.Text(". " + describe_wait(verify))
    box += success
    return box


def _code(text: str, classes: list[str]) -> nodes.literal_block:
    text = text.strip("\n")
    block = nodes.literal_block(text, text, classes=classes)
    block["language"] = "bash"
    return block


def _paragraphs(text: str, css: str) -> list[nodes.paragraph]:
    return [
        nodes.paragraph(text=part.strip(), classes=[css])
        for part in re.split(r"\n\s*\n", text)
        if part.strip()
    ]
