"""The testbed's pure parts: names, addresses, inventory, image key, fault rules, CLI errors."""

from __future__ import annotations

import ipaddress
import struct

import pytest
import yaml

from runbook.cli.main import main
from runbook.errors import TestbedError
from runbook.testbed import delayer, image, inventory, network, node, state
from runbook.testbed.paths import TestbedPaths

SUBNET = ipaddress.IPv4Network("10.213.42.0/24")


@pytest.mark.parametrize("name", ["default", "a", "e2e-run-1", "x" * 32])
def test_valid_names_are_accepted(name):
    assert network.validate_name(name) == name


@pytest.mark.parametrize("name", ["", "Default", "1abc", "a_b", "a/b", "x" * 33, "a b", "../x"])
def test_names_that_could_escape_paths_or_interfaces_are_refused(name):
    with pytest.raises(TestbedError, match="invalid testbed name"):
        network.validate_name(name)


@pytest.mark.parametrize("name", ["default", "a", "twelve-chars", "a-much-longer-testbed-name"])
def test_interface_names_fit_the_kernel_limit(name):
    assert len(network.bridge_name(name)) <= 15
    for index in (1, 9, 200):
        assert len(network.veth_name(network.machine_name(name, index))) <= 15


@pytest.mark.parametrize("name", ["rb-default", "rb-a", "rb-a-much-lo-1234567"])
def test_a_bridge_has_a_fixed_locally_administered_unicast_mac(name):
    mac = network.bridge_mac(name)
    first = int(mac.split(":")[0], 16)
    assert len(mac.split(":")) == 6
    assert first & 0x02 and not first & 0x01
    assert network.bridge_mac(name) == mac != network.bridge_mac(name + "x")


def test_short_names_give_readable_bridges_and_long_ones_stay_distinct():
    assert network.bridge_name("default") == "rb-default"
    long_a = network.bridge_name("a-much-longer-testbed-name")
    long_b = network.bridge_name("a-much-longer-testbed-other")
    assert long_a != long_b


def test_machine_names_differ_between_testbeds_with_the_same_node_names():
    assert network.machine_name("one", 1) != network.machine_name("two", 1)


def test_subnet_is_derived_from_the_name_and_stable():
    first = network.choose_subnet("default", None, [])
    assert first == network.choose_subnet("default", None, [])
    assert first.subnet_of(network.POOL) and first.prefixlen == 24


def test_subnet_skips_ranges_already_routed():
    derived = network.choose_subnet("default", None, [])
    chosen = network.choose_subnet("default", None, [derived])
    assert chosen != derived and not chosen.overlaps(derived)


def test_a_requested_range_that_overlaps_a_route_is_refused_clearly():
    taken = [ipaddress.IPv4Network("10.213.42.0/25")]
    with pytest.raises(TestbedError, match=r"10\.213\.42\.0/24 overlaps 10\.213\.42\.0/25"):
        network.choose_subnet("x", "10.213.42.0/24", taken)


@pytest.mark.parametrize("requested", ["10.213.42.0/16", "10.213.42.5/24", "not-a-net"])
def test_a_requested_range_must_be_a_plain_slash_24(requested):
    with pytest.raises(TestbedError, match="range"):
        network.choose_subnet("x", requested, [])


def test_plan_gives_nodes_fixed_addresses_after_the_bridge():
    planned = state.plan("tb", 3, SUBNET, "key")
    assert [n.name for n in planned.nodes] == ["node1", "node2", "node3"]
    assert [n.address for n in planned.nodes] == ["10.213.42.11", "10.213.42.12", "10.213.42.13"]
    assert planned.host_address == "10.213.42.1"
    assert len({n.machine_id for n in planned.nodes}) == 3


@pytest.mark.parametrize("count", [0, -1, network.MAX_NODES + 1])
def test_plan_refuses_impossible_sizes(count):
    with pytest.raises(TestbedError, match="nodes"):
        state.plan("tb", count, SUBNET, "key")


def test_state_survives_a_round_trip_through_json():
    planned = state.plan("tb", 2, SUBNET, "key")
    assert state.TestbedState.from_json(planned.to_json()) == planned


def test_inventory_has_exactly_the_keys_the_runner_and_ansible_read(isolated_roots):
    planned = state.plan("tb", 3, SUBNET, "key")
    data = yaml.safe_load(inventory.render(planned))
    root = isolated_roots / "testbeds" / "tb"
    known_hosts = f"{root}/ssh/known_hosts"
    assert data == {
        "all": {
            "vars": {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": f"{root}/ssh/id_ed25519",
                "ansible_ssh_common_args": (
                    f"-o UserKnownHostsFile={known_hosts} -o StrictHostKeyChecking=yes"
                ),
                "runbook_known_hosts": known_hosts,
                "runbook_testbed": "tb",
                "vip": "10.213.42.250",
                "vip_cidr_netmask": "24",
                "fence_addresses": "10.213.42.1 10.213.42.1 10.213.42.1",
                "fence_options": "ipport=1622 identity_file=/root/.ssh/id_testbed_fence",
            },
            "hosts": {
                "node1": {"ansible_host": "10.213.42.11"},
                "node2": {"ansible_host": "10.213.42.12"},
                "node3": {"ansible_host": "10.213.42.13"},
            },
            "children": {
                "controllers": {"hosts": {"node1": {}, "node2": {}, "node3": {}}},
            },
        }
    }


def test_inventory_is_written_where_inventory_path_says(isolated_roots):
    from runbook.testbed import lifecycle

    planned = state.plan("tb", 1, SUBNET, "key")
    written = inventory.write(planned)
    assert written == lifecycle.inventory_path("tb") == TestbedPaths.of("tb").inventory
    assert yaml.safe_load(written.read_text())["all"]["hosts"]["node1"]


def test_node_network_has_an_address_and_no_gateway():
    planned = state.plan("tb", 2, SUBNET, "key")
    text = node.network_file(planned, planned.nodes[1])
    assert "Address=10.213.42.12/24" in text
    assert "Gateway" not in text and "DHCP" not in text
    assert node.NETWORK_FILE.rsplit("/", 1)[1] < "80-container-host0.network"


def test_hosts_file_names_every_node():
    planned = state.plan("tb", 3, SUBNET, "key")
    hosts = node.hosts_file(planned)
    assert hosts.startswith("127.0.0.1\tlocalhost\n")
    for spec in planned.nodes:
        assert f"{spec.address}\t{spec.name}" in hosts


def test_hosts_file_keeps_what_a_scenario_added_and_replaces_only_its_block():
    planned = state.plan("tb", 2, SUBNET, "key")
    first = node.hosts_file(planned)
    edited = first + "10.213.42.100\tcontroller-vip\n"
    again = node.hosts_file(planned, edited)
    assert again.count(node.HOSTS_BEGIN) == 1 and again.count("\tnode1") == 1
    assert "controller-vip" in again and again.count("localhost\n") == 1


def test_package_list_holds_what_the_guide_and_the_nodes_need():
    packages = image.parse_packages(image.package_list_text())
    for needed in (
        *image.BOOT_PACKAGES,
        "pacemaker",
        "corosync",
        "pcs",
        "crmsh",
        "resource-agents",
        "mariadb-server",
        "galera-4",
        "rsync",
        "socat",
        "haproxy",
        "keepalived",
        "memcached",
        "rabbitmq-server",
        "procps",
        "iputils-ping",
        "python3",
        "curl",
        "netcat-openbsd",
    ):
        assert needed in packages


def test_package_list_without_boot_packages_is_refused():
    with pytest.raises(TestbedError, match="must list"):
        image.parse_packages("pacemaker\n")


def test_image_key_follows_the_package_list_and_recipe(monkeypatch):
    base = image.image_key(("systemd", "pacemaker"))
    assert base == image.image_key(("pacemaker", "systemd"))  # order does not matter
    assert base != image.image_key(("systemd", "pacemaker", "haproxy"))
    monkeypatch.setattr(image, "RECIPE_VERSION", image.RECIPE_VERSION + 1)
    assert base != image.image_key(("systemd", "pacemaker"))


def test_an_incomplete_image_is_rebuilt_and_a_complete_one_reused(isolated_roots, monkeypatch):
    built = []
    monkeypatch.setattr(image, "_build", lambda img: built.append(img.key))
    current = image.Image.current()
    current.rootfs.mkdir(parents=True)  # what an interrupted build would look like
    assert not current.complete
    image.ensure_image()
    assert built == [current.key]
    (current.path / image.COMPLETE_MARKER).write_text("{}")
    image.ensure_image()
    assert built == [current.key]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"loss": 30}, [["-m", "statistic", "--mode", "random", "--probability", "0.3000"]]),
        ({"delay_ms": 100}, [["-j", "NFQUEUE", "--queue-num", "7", "--queue-bypass"]]),
    ],
)
def test_impairment_rules(kwargs, expected):
    rules = network.impairment_rules(**kwargs)
    assert [rule[: len(expected[0])] for rule in rules] == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"loss": 0},
        {"loss": 101},
        {"delay_ms": -1},
        {"jitter_ms": 5},
        {"loss": 5, "jitter_ms": 1},
    ],
)
def test_impossible_impairments_are_refused(kwargs):
    with pytest.raises(TestbedError):
        network.impairment_rules(**kwargs)


def test_delayer_reads_packet_ids_from_queue_messages():
    def packet(packet_id):
        attr = delayer._attr(delayer.NFQA_PACKET_HDR, struct.pack("!IHB", packet_id, 0x0800, 1))
        return delayer._message(delayer.NFQNL_MSG_PACKET, 7, attr)

    assert delayer.packet_ids(packet(5) + packet(6)) == [5, 6]
    assert delayer.packet_ids(b"") == []


def test_cli_refuses_a_bad_name_without_traceback(capsys):
    assert main(["testbed", "up", "--name", "Bad!"]) == 1
    err = capsys.readouterr().err
    assert "invalid testbed name" in err and "Traceback" not in err


def test_cli_says_root_is_needed(monkeypatch, capsys):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert main(["testbed", "up", "--name", "nonroot"]) == 1
    assert "needs root" in capsys.readouterr().err


def test_cli_names_the_package_of_a_missing_tool(monkeypatch, capsys):
    import shutil

    real_which = shutil.which
    monkeypatch.setattr("os.geteuid", lambda: 0)
    monkeypatch.setattr(
        shutil, "which", lambda tool: None if tool == "systemd-nspawn" else real_which(tool)
    )
    assert main(["testbed", "up", "--name", "notools"]) == 1
    assert "systemd-container" in capsys.readouterr().err


def test_cli_inventory_prints_the_path_and_fails_when_not_up(isolated_roots, capsys):
    assert main(["testbed", "inventory", "--name", "absent"]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == str(isolated_roots / "testbeds" / "absent" / "inventory.yml")
    assert "not up" in err


def test_cli_refuses_an_impossible_size_before_building_anything(isolated_roots, capsys):
    assert main(["testbed", "up", "--name", "sized", "--nodes", "0"]) == 1
    assert "1 to 200 nodes" in capsys.readouterr().err
    assert not (isolated_roots / "images").exists()
