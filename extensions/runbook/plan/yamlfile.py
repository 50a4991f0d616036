"""YAML data files (inventories, variables) read with line numbers and strict keys.

PyYAML's own constructors lose every position and silently keep the last of two equal
keys, so an operator who lists ``node1`` twice learns nothing. Here the document is only
*composed* by PyYAML; our converter builds plain data from the node tree, records the
line of every mapping key and list item, and refuses what a data file should not hold:
duplicate keys, alias cycles and alias bombs, language-specific tags, NUL bytes.

Scalars keep the text the operator wrote (``0755`` stays ``0755``, ``1.10`` stays
``1.10``), except ``true``/``false`` (YAML 1.1: also yes/no/on/off), which become the
strings ``"true"``/``"false"``, and nulls, which become ``None``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from runbook.errors import ParseError
from runbook.model import SourceLocation
from runbook.parsing.files import read_user_file

#: More nodes than this in one file is an alias bomb, not an inventory.
MAX_NODES = 100_000
#: Deeper nesting than this is no data file either (and would exhaust Python's stack).
MAX_DEPTH = 64

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_PLAIN_SCALARS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}


class YamlMap(dict[str, object]):
    """A mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class YamlList(list[object]):
    """A list that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


def line_of(data: object, key: str | int | None = None) -> int | None:
    """The 1-based line of ``data`` (or of its key / item ``key``), when it was recorded."""
    if isinstance(data, YamlMap):
        return data.key_lines.get(str(key)) if key is not None else data.line
    if isinstance(data, YamlList):
        if isinstance(key, int) and 0 <= key < len(data.item_lines):
            return data.item_lines[key]
        return data.line
    return None


def read_text(path: Path, what: str = "data file") -> str:
    """A data file's text: a regular UTF-8 file of bounded size, named by ``what``."""
    return read_user_file(path, what=what)


def load_yaml(path: Path, what: str = "data file") -> object:
    """The single document of a YAML file as plain data (see the module docstring)."""
    return parse_yaml(read_text(path, what), str(path))


def parse_yaml(text: str, path: str) -> object:
    """The single document of YAML ``text`` (``None`` when empty); ParseError with line."""
    where = SourceLocation(path)
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise ParseError("the file contains a NUL byte; is it a text file?", where.at(line))
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "malformed YAML"
        at = where.at(mark.line + 1) if mark is not None else where
        raise ParseError(f"not valid YAML: {problem}", at) from None
    except yaml.YAMLError as error:
        raise ParseError(f"not valid YAML: {error}", where) from None
    except RecursionError:
        raise ParseError("not valid YAML: nested too deeply", where) from None
    if not documents:
        return None
    if len(documents) > 1:
        second = documents[1].start_mark.line + 1
        raise ParseError("expected one YAML document, found several", where.at(second))
    return _Converter(where).convert(documents[0])


class _Converter:
    """Builds plain data from a composed node tree, keeping lines and checking keys."""

    def __init__(self, where: SourceLocation) -> None:
        self.where = where
        self.count = 0
        self.open: set[int] = set()

    def error(self, message: str, node: yaml.Node) -> ParseError:
        return ParseError(message, self.where.at(node.start_mark.line + 1))

    def convert(self, node: yaml.Node) -> object:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(f"more than {MAX_NODES} values (an alias bomb?)", node)
        if id(node) in self.open:
            raise self.error("an alias refers to a value that contains it", node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if len(self.open) >= MAX_DEPTH:
            raise self.error(f"values nested more than {MAX_DEPTH} deep", node)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node)
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node)
            raise self.error("unsupported kind of YAML value", node)
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode) -> str | None:
        if node.tag == _NULL:
            return None
        if node.tag == _BOOL:
            return "true" if yaml.SafeLoader.bool_values[node.value.lower()] else "false"
        if node.tag in _PLAIN_SCALARS or node.tag == "!unsafe":
            return str(node.value)
        if node.tag == "!vault":
            raise self.error(
                "ansible-vault encrypted values cannot be read here; "
                "give this value in a variables file or with -e",
                node,
            )
        raise self.error(f"unsupported YAML tag {node.tag!r}", node)

    def sequence(self, node: yaml.SequenceNode) -> YamlList:
        if node.tag != _SEQ:
            raise self.error(f"unsupported YAML tag {node.tag!r}", node)
        result = YamlList(self.convert(item) for item in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [item.start_mark.line + 1 for item in node.value]
        return result

    def mapping(self, node: yaml.MappingNode) -> YamlMap:
        if node.tag != _MAP:
            raise self.error(f"unsupported YAML tag {node.tag!r}", node)
        result = YamlMap()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        merged: list[YamlMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self.merge_sources(value_node))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error("a mapping key must be a plain value", key_node)
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in result.key_lines:
                first = result.key_lines[key]
                raise self.error(f"duplicate key {key!r} (first at line {first})", key_node)
            result[key] = self.convert(value_node)
            result.key_lines[key] = line
        for source in merged:
            for key, value in source.items():
                if key not in result.key_lines:
                    result[key] = value
                    result.key_lines[key] = source.key_lines[key]
        return result

    def merge_sources(self, node: yaml.Node) -> list[YamlMap]:
        """The mappings a ``<<`` merge key names, earlier ones winning like PyYAML's."""
        value = self.convert(node)
        sources = value if isinstance(value, list) else [value]
        maps = [source for source in sources if isinstance(source, YamlMap)]
        if len(maps) != len(sources):
            raise self.error("a merge key (<<) must name a mapping or a list of mappings", node)
        return maps
