"""The exporters' Jinja2 environment: one template per format, one escaping filter per format.

Templates never paste a value into code by hand: every ``{{ }}`` field must go through a
filter that escapes it for the file's language (``py`` for Python literals, ``sh`` for
bash words, ``yaml``/``yaml_unsafe`` for Ansible, ``jinja_str`` for string literals inside
Ansible's own expressions, ``comment`` for one-line comments, ``ident`` for names the
model already validated). The environment's ``finalize`` refuses any other text, so a
field written without its filter fails every export instead of reaching a user's file.
"""

from __future__ import annotations

import base64
import re
import shlex
import sys
from functools import cache
from typing import Any

import jinja2
import yaml

from runbook.errors import ExportError


class Escaped(str):
    """Text already escaped for the language of the file it goes into."""

    __slots__ = ()


#: Names the model validated (scenario and variable names, step ids, anchors, groups):
#: safe as they are in every format; anything else is refused rather than pasted.
IDENT_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*")


class _Dumper(yaml.SafeDumper):
    """Safe YAML whose multi-line strings are literal blocks, so scripts read as written."""

    blocks = True


class _LineDumper(_Dumper):
    """Safe YAML on one line: multi-line strings double-quoted with ``\\n`` escapes."""

    blocks = False


def _block_friendly(value: str) -> bool:
    """Whether ``value`` reads back unchanged from a literal block with no indicators.

    A leading space or line break needs an indentation indicator, which counts from the
    parent's indentation and so breaks once the block is re-indented inside a template;
    trailing blank lines need ``|+``, whose kept line breaks would swallow the template's
    own blank lines. Those strings are written double-quoted instead.
    """
    return (
        "\n" in value
        and value[0] not in " \n"
        and not value.endswith("\n\n")
        # YAML reads NEL and the Unicode separators as line breaks: escape them
        and all(char.isprintable() or char in "\n\t" for char in value)
    )


def _represent_str(dumper: _Dumper, value: str) -> yaml.ScalarNode:
    if dumper.blocks and _block_friendly(value):
        style: str | None = "|"
    elif "\n" in value or not all(char.isprintable() or char == "\t" for char in value):
        style = '"'
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


for _dumper in (_Dumper, _LineDumper):
    _dumper.add_representer(str, _represent_str)
    _dumper.add_representer(Escaped, _represent_str)


def py_literal(value: Any, indent: int = 0) -> Escaped:
    """A Python literal for ``value`` that a reviewer can read.

    Dicts and lists put one item on a line; a text of several lines (a step's script)
    becomes a triple-quoted block starting at the left margin, each line as written,
    never split mid-statement; anything else is ``repr``, so any text is safe inside it.
    """
    return Escaped(_py(value, indent))


def _py(value: Any, indent: int) -> str:
    inner = " " * (indent + 4)
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{_py(key, indent + 4)}: {_py(item, indent + 4)},"
            for key, item in value.items()
        ]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, list | tuple) and value:
        items = [f"{inner}{_py(item, indent + 4)}," for item in value]
        close = "]" if isinstance(value, list) else ")"
        return (
            ("[" if isinstance(value, list) else "(")
            + "\n"
            + "\n".join(items)
            + "\n"
            + " " * indent
            + close
        )
    if isinstance(value, str) and _block_text(value):
        body = value.replace("\\", "\\\\")
        if body.endswith('"'):
            body = body[:-1] + '\\"'
        return '"""\\\n' + body + '"""'
    return repr(value)


def _block_text(value: str) -> bool:
    """A text that reads back unchanged from a triple-quoted block (see :func:`_py`)."""
    return (
        "\n" in value
        and '"""' not in value
        and all(char.isprintable() or char in "\n\t" for char in value)
        and not any(line != line.rstrip() for line in value.split("\n"))
    )


def sh_word(value: Any) -> Escaped:
    """``value`` as one bash word."""
    return Escaped(shlex.quote(str(value)))


def sh_words(values: Any) -> Escaped:
    """Each of ``values`` as one bash word, separated by spaces."""
    return Escaped(" ".join(sh_word(value) for value in values))


def yaml_value(value: Any, indent: int | None = None) -> Escaped:
    """``value`` as YAML, to follow ``key: `` in a template.

    With ``indent`` (the column of the key plus two), multi-line strings become literal
    blocks and continuation lines are indented that far; without it, the value is one line,
    so no field can break the layout of the template around it.
    """
    text = yaml.dump(
        value,
        Dumper=_Dumper if indent is not None else _LineDumper,
        default_flow_style=False,
        allow_unicode=True,
        sort_keys=False,
        width=sys.maxsize,  # never fold a line
    )
    if text.endswith("\n...\n"):
        text = text[: -len("\n...\n")]
    elif text.endswith("\n"):
        # the template gives the line break; block scalars never keep more than one
        text = text[:-1]
    if indent is None:
        if "\n" in text:
            raise ExportError(f"{value!r} does not fit on one line of YAML")
        return Escaped(text)
    return Escaped(text.replace("\n", "\n" + " " * indent))


def yaml_block(value: list[Any] | dict[str, Any], indent: int) -> Escaped:
    """A list or mapping as a YAML block on the lines after ``key:`` (written ``key:{{ }}``)."""
    return Escaped("\n" + " " * indent + yaml_value(value, indent))


def yaml_unsafe(value: str, indent: int | None = None) -> Escaped:
    """A string Ansible must take as data, never as a template (names, scripts, messages)."""
    return Escaped("!unsafe " + yaml_value(str(value), indent))


def jinja_str(value: str) -> Escaped:
    """A string literal for an expression inside Ansible's ``{{ }}``.

    Quoted as is when one quote character is free and there is no backslash, brace,
    ``%``, ``#`` or control character; otherwise base64 through ``b64decode``, because
    Ansible's templating and plain Jinja disagree on backslash escapes in string literals,
    and Ansible warns about (or templates) delimiters in a conditional.
    """
    plain = not any(char in "\\{}%#" for char in value) and all(
        char.isprintable() for char in value
    )
    if plain and "'" not in value:
        return Escaped(f"'{value}'")
    if plain and '"' not in value:
        return Escaped(f'"{value}"')
    encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
    return Escaped(f"('{encoded}' | b64decode)")


def comment(value: Any) -> Escaped:
    """Text for a one-line comment in bash, Python, YAML or Markdown.

    Every run of white space (line breaks of any kind included) becomes one space and any
    other character that is not printable is written as a ``\\uXXXX`` escape, so nothing
    can end the comment's line or hide text (bidirectional overrides).
    """
    words = " ".join(str(value).split())
    return Escaped("".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in words))


def md_cell(value: Any) -> Escaped:
    """Text for one cell of a Markdown table: a comment's text with ``|`` and markup escaped."""
    return Escaped(re.sub(r"([\\|`*_\[\]<>])", r"\\\1", comment(value)))


def ident(value: Any) -> Escaped:
    """A name the model validated, as it is; anything else stops the export."""
    text = str(value)
    if not IDENT_RE.fullmatch(text):
        raise ExportError(f"cannot export the name {text!r}: it is not a plain name")
    return Escaped(text)


def finalize(value: Any) -> Any:
    """Every ``{{ }}`` field: escaped text and numbers pass, raw text is a template bug."""
    if isinstance(value, Escaped) or value == "":
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise ExportError(f"template field {value!r} is not escaped for its format")


#: Constants for the few places a template needs a delimiter Jinja itself would read.
LEFT_BRACE = Escaped("{")


@cache
def environment() -> jinja2.Environment:
    """The shared environment; strict about undefined names so a template typo fails."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("runbook.export", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=finalize,
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
        sh_words=sh_words,
        yaml=yaml_value,
        yaml_block=yaml_block,
        yaml_unsafe=yaml_unsafe,
        jinja_str=jinja_str,
        comment=comment,
        md_cell=md_cell,
        ident=ident,
    )
    env.globals["lbrace"] = LEFT_BRACE
    return env


def render(template: str, **context: Any) -> str:
    """The text of ``template`` for ``context``."""
    return str(environment().get_template(template).render(**context))
