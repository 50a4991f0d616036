"""Inventories: Ansible YAML and the host list, connection settings, groups, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.errors import InventoryError, ParseError
from runbook.model import Secret
from runbook.plan.inventory import inventory_from_hosts, load_inventory

from .helpers import THREE_NODES

TESTBED = """\
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: /var/lib/runbook/testbeds/tb/ssh/id_ed25519
    ansible_ssh_common_args: >-
      -o UserKnownHostsFile=/var/lib/runbook/testbeds/tb/ssh/known_hosts
      -o StrictHostKeyChecking=yes
    runbook_testbed: tb
  hosts:
    node1: {ansible_host: 10.250.0.11}
    node2: {ansible_host: 10.250.0.12}
  children:
    controllers:
      hosts:
        node1:
        node2:
"""


def test_the_testbed_inventory_gives_addresses_keys_and_known_hosts(write) -> None:
    inventory = load_inventory(write("inventory.yml", TESTBED))
    node1, node2 = inventory.hosts
    assert (node1.name, node1.address, node1.user, node1.port) == (
        "node1",
        "10.250.0.11",
        "root",
        22,
    )
    assert node2.address == "10.250.0.12"
    assert node1.key_file == "/var/lib/runbook/testbeds/tb/ssh/id_ed25519"
    assert node1.known_hosts == "/var/lib/runbook/testbeds/tb/ssh/known_hosts"
    assert inventory.groups == {"controllers": ("node1", "node2")}
    assert node1.groups == ("controllers",)
    assert inventory.vars["runbook_testbed"] == "tb"


def test_runbook_known_hosts_wins_over_the_ssh_arguments(write) -> None:
    text = TESTBED.replace("runbook_testbed: tb", "runbook_known_hosts: /etc/ha/known_hosts")
    inventory = load_inventory(write("inventory.yml", text))
    assert inventory.hosts[0].known_hosts == "/etc/ha/known_hosts"


def test_variables_follow_ansible_precedence(write) -> None:
    text = """\
all:
  vars: {level: all, only_all: a}
  hosts:
    node1:
    node2: {level: host}
  children:
    outer:
      vars: {level: outer, only_outer: o}
      children:
        inner:
          vars: {level: inner}
          hosts: {node1: , node2: }
"""
    inventory = load_inventory(write("inv.yaml", text))
    node1, node2 = inventory.hosts
    assert node1.vars["level"] == "inner"
    assert node2.vars["level"] == "host"
    assert (node1.vars["only_all"], node1.vars["only_outer"]) == ("a", "o")
    assert inventory.groups == {"outer": ("node1", "node2"), "inner": ("node1", "node2")}
    assert node1.groups == ("outer", "inner")


def test_top_level_groups_without_all_are_read(write) -> None:
    text = "controllers:\n  hosts:\n    c1: {ansible_host: 192.0.2.1, ansible_port: 2222}\n"
    inventory = load_inventory(write("inv.yml", text))
    assert inventory.hosts[0].port == 2222
    assert inventory.groups == {"controllers": ("c1",)}


def test_host_ranges_expand_with_zero_padding(write) -> None:
    text = "all:\n  hosts:\n    db[01:03]:\n    web[8:9].example.com:\n"
    inventory = load_inventory(write("inv.yml", text))
    names = [host.name for host in inventory.hosts]
    assert names == ["db01", "db02", "db03", "web8.example.com", "web9.example.com"]


def test_hosts_keep_file_order_and_a_host_without_address_uses_its_name(write) -> None:
    inventory = load_inventory(
        write("inv.yml", THREE_NODES.replace("{ansible_host: 192.0.2.12}", ""))
    )
    assert [host.name for host in inventory.hosts] == ["node1", "node2", "node3"]
    assert inventory.host("node2").address == "node2"
    assert inventory.groups["db"] == ("node2", "node3")


def test_floating_ips_come_from_a_list_variable(write) -> None:
    text = TESTBED.replace("runbook_testbed: tb", "floating_ips: [10.250.0.100, 10.250.0.101]")
    inventory = load_inventory(write("inv.yml", text))
    assert inventory.floating_ips == ("10.250.0.100", "10.250.0.101")


def test_password_connection_variables_are_secret(write) -> None:
    text = "all:\n  vars: {ansible_password: hunter2}\n  hosts: {n1: }\n"
    inventory = load_inventory(write("inv.yml", text))
    value = inventory.hosts[0].vars["ansible_password"]
    assert isinstance(value, Secret)
    assert value.reveal() == "hunter2"


def test_the_host_list_form(write) -> None:
    text = """\
# the lab
* user=debian known_hosts=known_hosts floating_ips=192.0.2.50,192.0.2.51 site=lab
node1  192.0.2.11              roles=controllers,db
node2  admin@192.0.2.12:2222   roles=controllers key=~/.ssh/ha_ed25519 rack=r2  # a comment
node3  [2001:db8::3]:2200
node4
"""
    path = write("hosts.txt", text)
    inventory = load_inventory(path)
    node1, node2, node3, node4 = inventory.hosts
    assert (node1.address, node1.user, node1.port) == ("192.0.2.11", "debian", 22)
    assert (node2.address, node2.user, node2.port) == ("192.0.2.12", "admin", 2222)
    assert node2.key_file == str(Path("~/.ssh/ha_ed25519").expanduser())
    assert node1.known_hosts == str(path.parent / "known_hosts")
    assert (node3.address, node3.port) == ("2001:db8::3", 2200)
    assert node4.address == "node4"
    assert inventory.groups == {"controllers": ("node1", "node2"), "db": ("node1",)}
    assert node2.vars["rack"] == "r2"
    assert inventory.vars["site"] == "lab"
    assert inventory.floating_ips == ("192.0.2.50", "192.0.2.51")


def test_relative_key_paths_are_relative_to_the_inventory(write) -> None:
    path = write(
        "lab/inv.yml", "all:\n  vars: {ansible_ssh_private_key_file: keys/id}\n  hosts: {n1: }\n"
    )
    assert load_inventory(path).hosts[0].key_file == str(path.parent / "keys" / "id")


def test_inventory_from_hosts_names_hosts_by_address() -> None:
    inventory = inventory_from_hosts(["a.example.com", "admin@192.0.2.7:2022", ""])
    first, second = inventory.hosts
    assert (first.name, first.address, first.user) == ("a.example.com", "a.example.com", "root")
    assert (second.name, second.address, second.user, second.port) == (
        "192.0.2.7",
        "192.0.2.7",
        "admin",
        2022,
    )
    assert inventory.groups == {}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "dup.yml",
            "all:\n  hosts:\n    a:\n    b:\n    a:\n",
            "dup.yml:5: duplicate key 'a' (first at line 3)",
        ),
        (
            "port.yml",
            "all:\n  hosts:\n    a:\n      ansible_port: ssh\n",
            "port.yml:4: ansible_port 'ssh' is not a port",
        ),
        (
            "port2.yml",
            "all:\n  hosts:\n    a: {ansible_port: 70000}\n",
            "port2.yml:3: ansible_port '70000'",
        ),
        ("empty.yml", "", "empty.yml: the inventory is empty"),
        ("list.yml", "- a\n- b\n", "list.yml:1: an Ansible inventory is a mapping"),
        ("nohosts.yml", "all:\n  vars: {x: 1}\n", "nohosts.yml:1: the inventory names no hosts"),
        (
            "group.yml",
            "all:\n  children:\n    web: [a, b]\n",
            "group.yml:3: group 'web' must be a mapping",
        ),
        (
            "hosts.yml",
            "all:\n  hosts: [a, b]\n",
            "hosts.yml:2: hosts of group 'all' must be a mapping",
        ),
        (
            "vault.yml",
            "all:\n  hosts:\n    a:\n      pw: !vault |\n        $ANSIBLE_VAULT;1.1\n",
            "vault.yml:4: ansible-vault",
        ),
        ("yaml.yml", "all:\n  hosts: [\n", "yaml.yml:3: not valid YAML"),
        (
            "local.yml",
            "all:\n  hosts:\n    localhost:\n",
            "local.yml:3: the host name 'localhost' means the control host",
        ),
        (
            "same.yml",
            "all:\n  hosts:\n    a: {ansible_host: 192.0.2.1}\n    b: {ansible_host: 192.0.2.1}\n",
            "same.yml:4: hosts 'a' and 'b' have the same address 192.0.2.1:22",
        ),
        ("range.yml", "all:\n  hosts:\n    n[5:1]:\n", "range.yml:3: host range 'n[5:1]' is empty"),
        (
            "hosts.txt",
            "a 192.0.2.1\nb\na 192.0.2.3\n",
            "hosts.txt:3: host 'a' is listed twice (first at ",
        ),
        ("port.txt", "a 192.0.2.1:99999\n", "port.txt:1: bad port in '192.0.2.1:99999'"),
        ("quote.txt", "a 192.0.2.1 'roles=x\n", "quote.txt:1: cannot read this line"),
        ("kv.txt", "a 192.0.2.1 roles\n", "kv.txt:1: expected key=value after the address"),
        ("star.txt", "* 192.0.2.1\n", "star.txt:1: the '*' line takes only key=value settings"),
        ("none.txt", "# nothing\n\n", "none.txt: the inventory names no hosts"),
        ("name.txt", "a,b 192.0.2.1\n", "name.txt:1: host name 'a,b' must start with a letter"),
    ],
)
def test_inventory_errors_name_the_file_and_line(write, name: str, text: str, message: str) -> None:
    with pytest.raises(InventoryError) as caught:
        load_inventory(write(name, text))
    assert str(caught.value).endswith(message) or message in str(caught.value)
    assert str(caught.value).startswith(str(caught.value.location))


def test_a_missing_inventory_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"cannot read .*missing\.yml"):
        load_inventory(tmp_path / "missing.yml")


def test_a_binary_inventory_is_refused(write, tmp_path: Path) -> None:
    path = tmp_path / "inv.yml"
    path.write_bytes(b"all:\n  hosts:\n    a\0b:\n")
    with pytest.raises(ParseError, match=r"inv.yml:3: the file contains a NUL byte"):
        load_inventory(path)
