"""Placeholder nodes the directives emit; the node contract other parts code against.

The directives (:mod:`runbook.docutils_.directives`) emit one placeholder per directive,
with ``source`` and ``line`` set to the directive's file and 1-based line, and the option
values already converted (an option that could not be converted was reported and left at
its default, and the node's ``invalid`` is then ``True``). The collector
(:mod:`runbook.docutils_.collect`) then builds the model from them, in document order, and
marks each node it turned into a model object with that object's identity (the ``rb_*``
attributes below). A node without its ``rb_*`` identity was not collected because a
problem was reported for it.

The placeholders must never reach a writer: under Sphinx a transform replaces them with
standard nodes; the command's fast path discards the doctree.

``scenario_node`` (``scenario`` and ``legacy-scenario`` directives)
    ``name`` (str): the directive's argument (``""`` when missing; legacy: ``:name:`` or
    the file's stem). ``title`` (str | None): ``:title:`` as written (the model falls back
    to the enclosing section's title, then the name). ``requires`` and ``provides``
    (tuple[str, ...]), ``hosts`` (str | None), ``nodes`` (int, default 1). ``origin``
    (str): ``"rst"``, ``"myst"`` or ``"legacy"``. ``legacy``
    (:class:`~runbook.model.Scenario` | None): for ``origin == "legacy"``, the imported
    scenario itself (renamed, verification script attached); ``legacy_path``
    (str | None): that file's path. ``invalid`` (bool).
    Children: the description, parsed as body elements (none for legacy).
    Set by the collector: ``rb_scenario`` (str), the scenario's name.

``variable_node``
    ``name`` (str), ``default`` (str | None; ``None`` means required), ``secret`` (bool),
    ``invalid`` (bool). Children: the description, parsed as body elements.
    Set by the collector: ``rb_variable`` (str) and ``rb_scenario`` (str).

``step_node``
    ``title`` (str), ``script`` (str, verbatim), ``target``
    (:class:`~runbook.model.Target`), ``unless`` (str | None), ``verify`` (str | None:
    the one-line ``:verify:``), ``expect_output`` (str | None), ``retries`` (int | None),
    ``delay`` (float | None, seconds), ``timeout`` (float | None, seconds), ``run_once``
    (bool), ``serial`` (int | None), ``sensitive`` (bool), ``expect_exit`` (int),
    ``register`` (str | None), ``no_verify`` (str | None: the reason),
    ``shellcheck_disable`` (tuple[str, ...], ``SCnnnn`` codes), ``copy`` (tuple[str, ...],
    absolute paths), ``copy_from`` (Target | None), ``invalid`` (bool). ``None`` means the
    option was not given. Children: one ``literal_block`` of the script, language
    ``bash``. Set by the collector: ``rb_step`` (str, the step id ``name/N``; the HTML
    anchor is ``name-N``) and ``rb_scenario`` (str).

``verify_node``
    ``command`` (str, verbatim), ``expect_output`` (str | None), ``retries`` (int | None),
    ``delay`` (float | None), ``timeout`` (float | None), ``expect_exit`` (int | None),
    ``invalid`` (bool). Children: one ``literal_block`` of the command, language ``bash``.
    Set by the collector: ``rb_step`` (str, the id of the step it verifies) and
    ``rb_scenario`` (str).
"""

from __future__ import annotations

from docutils import nodes


class scenario_node(nodes.General, nodes.Element):
    """A ``scenario`` or ``legacy-scenario`` directive."""


class variable_node(nodes.General, nodes.Element):
    """A ``variable`` directive."""


class step_node(nodes.General, nodes.Element):
    """A ``step`` directive."""


class verify_node(nodes.General, nodes.Element):
    """A ``verify`` directive."""


#: Every placeholder class, for ``document.findall`` and for Sphinx's ``app.add_node``.
PLACEHOLDERS = (scenario_node, variable_node, step_node, verify_node)
