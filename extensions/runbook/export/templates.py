"""The exporters' Jinja2 environment: one template per format, one escaping filter per format.

Templates never paste a value into code by hand: every value goes through the filter of
its format (``py`` for Python literals, ``sh`` for bash words, ``yaml``/``yaml_unsafe``
for Ansible, ``jinja_str`` for string literals inside Ansible's own expressions).
"""

from __future__ import annotations

import base64
import pprint
import shlex
from functools import cache
from typing import Any

import jinja2
import yaml


class _Dumper(yaml.SafeDumper):
    """Safe YAML whose multi-line strings are literal blocks, so scripts read as written."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    # YAML reads NEL and the Unicode separators as line breaks: escape them
    if any(not (char.isprintable() or char in "\n\t") for char in value):
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def py_literal(value: Any, indent: int = 0) -> str:
    """A Python literal for ``value`` (repr-based, so any text is safe inside it)."""
    text = pprint.pformat(value, width=96 - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


def sh_word(value: Any) -> str:
    """``value`` as one bash word."""
    return shlex.quote(str(value))


def yaml_value(value: Any, indent: int = 0) -> str:
    """``value`` as YAML, to follow ``key: `` in a template; continuation lines indented."""
    text = yaml.dump(
        value,
        Dumper=_Dumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        width=2**16,
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    return text.rstrip("\n").replace("\n", "\n" + " " * indent)


def yaml_block(value: list[Any] | dict[str, Any], indent: int) -> str:
    """A list or mapping as a YAML block on the lines after ``key:`` (written ``key:{{ }}``)."""
    return "\n" + " " * indent + yaml_value(value, indent)


def yaml_unsafe(value: str, indent: int = 0) -> str:
    """A string Ansible must take as data, never as a template (scripts may hold ``{{``)."""
    return "!unsafe " + yaml_value(value, indent)


def jinja_str(value: str) -> str:
    """A string literal for an expression inside Ansible's ``{{ }}``.

    Quoted as is when one quote character is free and there is no backslash or control
    character; otherwise base64 through ``b64decode``, because Ansible's templating and
    plain Jinja disagree on backslash escapes in string literals.
    """
    plain = "\\" not in value and all(char.isprintable() for char in value)
    if plain and "'" not in value:
        return f"'{value}'"
    if plain and '"' not in value:
        return f'"{value}"'
    encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return f"('{encoded}' | b64decode)"


def comment(value: Any) -> str:
    """Text for a one-line comment: line breaks become spaces."""
    return " ".join(str(value).split())


@cache
def environment() -> jinja2.Environment:
    """The shared environment; strict about undefined names so a template typo fails."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("runbook.export", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # bash's ${#array[@]} would open a Jinja comment
        comment_start_string="{#!",
        comment_end_string="!#}",
    )
    env.filters.update(
        py=py_literal,
        sh=sh_word,
        yaml=yaml_value,
        yaml_block=yaml_block,
        yaml_unsafe=yaml_unsafe,
        jinja_str=jinja_str,
        comment=comment,
    )
    return env


def render(template: str, **context: Any) -> str:
    """The text of ``template`` for ``context``."""
    return environment().get_template(template).render(**context)
