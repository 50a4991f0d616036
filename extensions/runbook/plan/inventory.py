"""Inventories: the hosts a plan runs on, read from the files operators already keep.

Two file forms are read (docs/reference/inventory.md is the operator's page):

* Ansible's YAML inventory (``.yml``/``.yaml``): ``all``/``hosts``/``children``/``vars``
  nested to any depth, host and group variables with Ansible's precedence (``all`` <
  shallower group < deeper group < host), host ranges such as ``node[1:3]``, and the
  connection variables ``ansible_host``, ``ansible_user``, ``ansible_port``,
  ``ansible_ssh_private_key_file`` and ``ansible_ssh_common_args``.
* A simple list (any other file name), one host a line::

      * user=root known_hosts=./known_hosts floating_ips=192.0.2.50,192.0.2.51
      node1  192.0.2.11            roles=controllers,galera
      node2  admin@192.0.2.12:2222 roles=controllers key=~/.ssh/ha_ed25519

  ``NAME [[USER@]ADDRESS[:PORT]] [key=value ...]``; the keys ``roles``, ``user``,
  ``port``, ``key`` and ``known_hosts`` set the connection, any other key is a host
  variable. A line named ``*`` sets defaults and variables for every host.

Groups are the roles that target expressions name. Every error names ``file:line``.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runbook.errors import InventoryError, ParseError
from runbook.model import Secret, SourceLocation, Value
from runbook.plan.model import LOCAL_HOST, Host, Inventory
from runbook.plan.yamlfile import YamlMap, line_of, parse_yaml, read_text

HOST_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
GROUP_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_USER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$")
_ZONE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_NUMERIC_RE = re.compile(r"^[0-9.]+$")
_LABEL_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
RANGE_RE = re.compile(r"^(.*)\[([0-9]+):([0-9]+)\](.*)$")
MAX_RANGE = 4096
YAML_SUFFIXES = (".yml", ".yaml", ".json")

#: Connection variables whose values are passwords: kept as Secret so they never print.
SECRET_VARS = frozenset(
    {"ansible_password", "ansible_ssh_pass", "ansible_become_password", "ansible_become_pass"}
)
#: Groups every Ansible inventory has implicitly; they are not roles.
IMPLICIT_GROUPS = frozenset({"all", "ungrouped"})

_Setting = tuple[object, SourceLocation]


def load_inventory(path: Path) -> Inventory:
    """The inventory in ``path``: Ansible YAML by suffix (.yml/.yaml/.json), else a list."""
    text = read_text(path, "inventory (-i)")
    if path.suffix.lower() in YAML_SUFFIXES:
        return parse_ansible_inventory(text, str(path), base_dir=path.parent)
    return parse_host_list(text, str(path), base_dir=path.parent)


def inventory_from_hosts(specs: Iterable[str], source: str = "--hosts") -> Inventory:
    """An inventory from ``[USER@]ADDRESS[:PORT]`` strings (``-H a,b``); named by address."""
    where = SourceLocation(source)
    builder = _Builder(where, base_dir=None)
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        user, address, port = _split_address(spec, where)
        settings: dict[str, _Setting] = {}
        if user:
            settings["ansible_user"] = (user, where)
        if port:
            settings["ansible_port"] = (port, where)
        builder.add_host(address, where, settings, duplicate_is_error=True)
    if not builder.order:
        raise InventoryError("no hosts given", where)
    return builder.build()


@dataclass
class _Group:
    """A group as read, before membership and precedence are worked out."""

    name: str
    order: int
    depth: int = 0
    vars: dict[str, _Setting] = field(default_factory=dict)
    hosts: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


class _Builder:
    """Collects hosts, groups and variables, then builds the frozen Inventory."""

    def __init__(self, where: SourceLocation, base_dir: Path | None) -> None:
        self.where = where
        self.base_dir = base_dir
        self.order: list[str] = []
        self.host_vars: dict[str, dict[str, _Setting]] = {}
        self.host_lines: dict[str, SourceLocation] = {}
        self.groups: dict[str, _Group] = {}
        self.global_vars: dict[str, _Setting] = {}

    def group(self, name: str, location: SourceLocation, depth: int) -> _Group:
        if not GROUP_NAME_RE.match(name):
            raise InventoryError(
                f"group name {name!r} must start with a letter, digit or '_' and hold only "
                "those, '-' and '.'",
                location,
            )
        group = self.groups.setdefault(name, _Group(name, order=len(self.groups)))
        group.depth = max(group.depth, depth)
        return group

    def add_host(
        self,
        name: str,
        location: SourceLocation,
        settings: Mapping[str, _Setting],
        *,
        duplicate_is_error: bool,
    ) -> None:
        if not HOST_NAME_RE.match(name):
            raise InventoryError(
                f"host name {name!r} must start with a letter, digit or '_' and hold only "
                "those, '-', '.' and ':'",
                location,
            )
        if name == LOCAL_HOST:
            raise InventoryError(
                f"the host name {LOCAL_HOST!r} means the control host (target 'local'); "
                "give the machine another name and set its address",
                location,
            )
        if name in self.host_vars:
            if duplicate_is_error:
                first = self.host_lines[name]
                raise InventoryError(f"host {name!r} is listed twice (first at {first})", location)
        else:
            self.order.append(name)
            self.host_vars[name] = {}
            self.host_lines[name] = location
        self.host_vars[name].update(settings)

    def build(self) -> Inventory:
        members = {name: self._members(name) for name in self.groups}
        hosts = tuple(self._host(name, members) for name in self.order)
        _refuse_shared_addresses(hosts)
        position = {name: index for index, name in enumerate(self.order)}
        groups = {
            name: tuple(sorted(members[name], key=position.__getitem__))
            for name in sorted(self.groups, key=lambda n: self.groups[n].order)
            if name not in IMPLICIT_GROUPS
        }
        floating = self.global_vars.get("floating_ips")
        floating_ips: tuple[str, ...] = ()
        if floating is not None:
            floating_ips = _address_list(floating[0])
            for address in floating_ips:
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    raise InventoryError(
                        f"floating_ips: {address!r} is not an IPv4 or IPv6 address", floating[1]
                    ) from None
        return Inventory(
            hosts=hosts,
            groups=groups,
            vars=_values(self.global_vars),
            floating_ips=floating_ips,
            location=self.where,
        )

    def _members(self, name: str) -> set[str]:
        """The hosts of a group and of its descendants (cycles are tolerated, not followed)."""
        found: set[str] = set()
        seen: set[str] = set()
        pending = [name]
        while pending:
            group = self.groups[pending.pop()]
            if group.name in seen:
                continue
            seen.add(group.name)
            found.update(group.hosts)
            pending.extend(group.children)
        return found

    def _host(self, name: str, members: Mapping[str, set[str]]) -> Host:
        containing = sorted(
            (g for g in self.groups.values() if name in members[g.name]),
            key=lambda g: (g.depth, g.order),
        )
        settings: dict[str, _Setting] = dict(self.global_vars)
        for group in containing:
            settings.update(group.vars)
        settings.update(self.host_vars[name])
        key_file = self._path(
            settings, ("ansible_ssh_private_key_file", "ansible_private_key_file")
        )
        known_hosts = self._path(settings, ("runbook_known_hosts",)) or self._known_hosts(settings)
        address_names = ("ansible_host", "ansible_ssh_host")
        address = _text(settings, address_names) or name
        given = next((settings[key][1] for key in address_names if key in settings), None)
        check_address(address, given or self.host_lines[name], f"host {name!r}")
        return Host(
            name=name,
            address=address,
            user=_user(settings, self.host_lines[name]),
            port=_port(settings),
            key_file=key_file,
            known_hosts=known_hosts,
            groups=tuple(g.name for g in containing if g.name not in IMPLICIT_GROUPS),
            vars=_values(settings),
            location=self.host_lines[name],
        )

    def _path(self, settings: Mapping[str, _Setting], names: tuple[str, ...]) -> str | None:
        text = _text(settings, names)
        if not text:
            return None
        path = Path(text).expanduser()
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        return str(path)

    def _known_hosts(self, settings: Mapping[str, _Setting]) -> str | None:
        """``-o UserKnownHostsFile=PATH`` from the SSH arguments, as Ansible would pass it."""
        for name in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
            if name not in settings:
                continue
            value, location = settings[name]
            try:
                words = shlex.split(str(value))
            except ValueError as error:
                raise InventoryError(f"{name}: {error}", location) from None
            for index, word in enumerate(words):
                option = word[2:] if word.startswith("-o") and len(word) > 2 else None
                if word == "-o" and index + 1 < len(words):
                    option = words[index + 1]
                if option is None:
                    continue
                key, _, path = option.replace(" ", "=", 1).partition("=")
                if key.strip().lower() == "userknownhostsfile" and path.strip():
                    return self._path({"p": (path.strip(), location)}, ("p",))
        return None


def _text(settings: Mapping[str, _Setting], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in settings:
            value, location = settings[name]
            if value is None:
                continue
            if not isinstance(value, str):
                raise InventoryError(f"{name} must be a single value", location)
            return value
    return None


def _user(settings: Mapping[str, _Setting], host_line: SourceLocation) -> str:
    """The SSH user; a name ssh could read as an option or shell could split is refused."""
    names = ("ansible_user", "ansible_ssh_user")
    user = _text(settings, names) or "root"
    if not _USER_RE.match(user):
        location = next((settings[key][1] for key in names if key in settings), host_line)
        raise InventoryError(
            f"user {user!r} is not a user name (letters, digits, '_', '.', '-'; not first '-')",
            location,
        )
    return user


def _port(settings: Mapping[str, _Setting]) -> int:
    for name in ("ansible_port", "ansible_ssh_port"):
        if name in settings and settings[name][0] is not None:
            value, location = settings[name]
            if isinstance(value, str) and value.isdigit() and 1 <= int(value) <= 65535:
                return int(value)
            raise InventoryError(f"{name} {value!r} is not a port number (1-65535)", location)
    return 22


def _values(settings: Mapping[str, _Setting]) -> dict[str, Value]:
    """Variables usable as environment values: scalars, and lists of scalars joined by spaces.

    Mappings and nested lists are for other tools; they are left out rather than refused.
    """
    values: dict[str, Value] = {}
    for name, (value, _location) in settings.items():
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = " ".join(value)
        if isinstance(value, str):
            values[name] = Secret(value) if name in SECRET_VARS else value
    return values


def _address_list(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, str))
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    return ()


def _refuse_shared_addresses(hosts: tuple[Host, ...]) -> None:
    """Two names for one machine would run every ``all`` step on it twice."""
    seen: dict[tuple[str, int], Host] = {}
    for host in hosts:
        key = (host.address, host.port)
        if key in seen:
            first = seen[key]
            raise InventoryError(
                f"hosts {first.name!r} and {host.name!r} have the same address "
                f"{host.address}:{host.port} (first at {first.location})",
                host.location,
            )
        seen[key] = host


def check_address(address: str, location: SourceLocation, what: str = "address") -> str:
    """``address`` when it is a host name, an IPv4 or an IPv6 address; InventoryError else.

    The one check for every address, from ``-H`` and from inventory files alike: an
    address reaches ssh's command line and the ``RB_ADDRS`` environment, so blanks,
    shell syntax (``;``, ``$(``), a leading ``-`` (an ssh option) and impossible IPv4
    addresses such as ``192.0.2.300`` are refused with what is wrong.
    """
    problem = _address_problem(address)
    if problem is not None:
        raise InventoryError(
            f"{what}: {address!r} is not a host name or IP address ({problem})", location
        )
    return address


def _address_problem(address: str) -> str | None:
    if not address:
        return "it is empty"
    if address.startswith("-"):
        return "it starts with '-', which ssh would read as an option"
    if any(char.isspace() or not char.isprintable() for char in address):
        return "it holds a blank, a line break or a control character"
    if ":" in address:
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            return "it has ':' but is not an IPv6 address"
        _, percent, zone = address.partition("%")
        if percent and not _ZONE_RE.match(zone):
            return "an IPv6 zone after '%' is an interface name: letters, digits, '_', '.', '-'"
        return None
    if _NUMERIC_RE.match(address):
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            return "it is not a possible IPv4 address: four numbers 0-255 joined by '.'"
        return None
    if len(address) > 253 or not all(_LABEL_RE.match(part) for part in address.split(".")):
        return (
            "a host name is labels of letters, digits, '-' and '_' joined by '.', "
            "none starting or ending with '-'"
        )
    return None


def _split_address(spec: str, where: SourceLocation) -> tuple[str | None, str, str | None]:
    """``[USER@]ADDRESS[:PORT]``, with ``[ADDRESS]:PORT`` for IPv6 addresses."""
    user, at, rest = spec.rpartition("@")
    if not at:
        user, rest = "", spec
    port: str | None = None
    if rest.startswith("["):
        address, bracket, tail = rest[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise InventoryError(f"bad address {spec!r}: expected [IPV6]:PORT", where)
        port = tail[1:] or None
    elif rest.count(":") == 1:
        address, _, port = rest.partition(":")
    else:
        address = rest
    if not address or any(c in address for c in " ,@/"):
        raise InventoryError(f"bad address {spec!r}: expected [USER@]ADDRESS[:PORT]", where)
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise InventoryError(f"bad port in {spec!r}: expected a number 1-65535", where)
    check_address(address, where)
    return user or None, address, port


# -- Ansible YAML ----------------------------------------------------------------------


def parse_ansible_inventory(text: str, path: str, base_dir: Path | None = None) -> Inventory:
    """An Ansible YAML inventory; InventoryError (with line) when it is not one."""
    where = SourceLocation(path)
    try:
        data = parse_yaml(text, path)
    except ParseError as error:
        raise InventoryError(error.message, error.location) from None
    if data is None:
        raise InventoryError("the inventory is empty", where)
    if not isinstance(data, YamlMap):
        raise InventoryError("an Ansible inventory is a mapping of groups (all: ...)", where.at(1))
    builder = _Builder(where, base_dir)
    reader = _AnsibleReader(builder, where)
    if "all" in data:
        reader.group("all", data["all"], where.at(line_of(data, "all")), depth=0)
        builder.global_vars = dict(builder.groups["all"].vars)
        top = {k: v for k, v in data.items() if k != "all"}
    else:
        builder.group("all", where.at(1), depth=0)
        top = dict(data)
    for name, value in top.items():
        reader.group(name, value, where.at(line_of(data, name)), depth=1)
        builder.groups["all"].children.append(name)
    if not builder.order:
        raise InventoryError("the inventory names no hosts", where.at(1))
    return builder.build()


class _AnsibleReader:
    """Walks the nested group structure, feeding the builder."""

    def __init__(self, builder: _Builder, where: SourceLocation) -> None:
        self.builder = builder
        self.where = where

    def group(self, name: str, data: object, location: SourceLocation, depth: int) -> None:
        group = self.builder.group(name, location, depth)
        if data is None:
            return
        if not isinstance(data, YamlMap):
            raise InventoryError(
                f"group {name!r} must be a mapping (hosts:, children:, vars:)", location
            )
        if data.get("vars") is not None:
            group.vars.update(self.settings(data["vars"], f"vars of group {name!r}", data, "vars"))
        hosts = data.get("hosts")
        if hosts is not None:
            if not isinstance(hosts, YamlMap):
                raise InventoryError(
                    f"hosts of group {name!r} must be a mapping of host names",
                    self.where.at(line_of(data, "hosts")),
                )
            for pattern, host_data in hosts.items():
                here = self.where.at(line_of(hosts, pattern))
                settings = self.settings(host_data, f"host {pattern!r}", hosts, pattern)
                for host in _expand_range(pattern, here):
                    self.builder.add_host(host, here, settings, duplicate_is_error=False)
                    if host not in group.hosts:
                        group.hosts.append(host)
        children = data.get("children")
        if children is not None:
            if not isinstance(children, YamlMap):
                raise InventoryError(
                    f"children of group {name!r} must be a mapping of group names",
                    self.where.at(line_of(data, "children")),
                )
            for child, child_data in children.items():
                here = self.where.at(line_of(children, child))
                if child == "all":
                    raise InventoryError("group 'all' cannot be a child of another group", here)
                self.group(child, child_data, here, depth + 1)
                if child not in group.children:
                    group.children.append(child)

    def settings(self, data: object, what: str, parent: YamlMap, key: str) -> dict[str, _Setting]:
        here = self.where.at(line_of(parent, key))
        if data is None:
            return {}
        if not isinstance(data, YamlMap):
            raise InventoryError(f"{what} must be a mapping of variables", here)
        return {name: (value, self.where.at(line_of(data, name))) for name, value in data.items()}


def _expand_range(pattern: str, location: SourceLocation) -> list[str]:
    """Ansible's numeric host ranges: ``node[1:3]`` and ``db[01:10]`` (zero padding kept)."""
    match = RANGE_RE.match(pattern)
    if match is None:
        return [pattern]
    head, start, end, tail = match.groups()
    first, last = int(start), int(end)
    if last < first or last - first >= MAX_RANGE:
        raise InventoryError(f"host range {pattern!r} is empty or too large", location)
    width = len(start) if start.startswith("0") and len(start) > 1 else 0
    return [f"{head}{number:0{width}d}{tail}" for number in range(first, last + 1)]


# -- simple list -----------------------------------------------------------------------

_LIST_KEYS = {
    "user": "ansible_user",
    "port": "ansible_port",
    "key": "ansible_ssh_private_key_file",
    "known_hosts": "runbook_known_hosts",
}


def parse_host_list(text: str, path: str, base_dir: Path | None = None) -> Inventory:
    """The simple list form (see the module docstring); InventoryError with line."""
    where = SourceLocation(path)
    if "\0" in text:
        raise InventoryError("the file contains a NUL byte", where)
    builder = _Builder(where, base_dir)
    builder.group("all", where, depth=0)
    for number, raw in enumerate(text.splitlines(), start=1):
        here = where.at(number)
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            raise InventoryError(f"cannot read this line: {error}", here) from None
        if not words:
            continue
        name, rest = words[0], words[1:]
        settings: dict[str, _Setting] = {}
        if rest and "=" not in rest[0]:
            if name == "*":
                raise InventoryError("the '*' line takes only key=value settings", here)
            user, address, port = _split_address(rest.pop(0), here)
            settings["ansible_host"] = (address, here)
            if user:
                settings["ansible_user"] = (user, here)
            if port:
                settings["ansible_port"] = (port, here)
        roles: list[str] = []
        for word in rest:
            key, equals, value = word.partition("=")
            if not equals or not key:
                raise InventoryError(f"expected key=value after the address, found {word!r}", here)
            if key in ("roles", "groups"):
                roles.extend(part for part in value.split(",") if part)
            else:
                settings[_LIST_KEYS.get(key, key)] = (value, here)
        if name == "*":
            if roles:
                raise InventoryError("roles cannot be given to every host ('*')", here)
            builder.global_vars.update(settings)
            continue
        builder.add_host(name, here, settings, duplicate_is_error=True)
        for role in roles:
            group = builder.group(role, here, depth=1)
            if name not in group.hosts:
                group.hosts.append(name)
    if not builder.order:
        raise InventoryError("the inventory names no hosts", where)
    return builder.build()
