"""Which packages a scenario installs, read from its commands; and how a host's answer is read."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook.execution.hostfacts import facts_command, parse_facts
from runbook.execution.packages import installed_packages, packages_in
from runbook.execution.shell import script_text

NAMES = st.from_regex(r"[a-z0-9][a-z0-9+.-]{0,20}[a-z0-9]", fullmatch=True)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("apt-get install -y haproxy", ("haproxy",)),
        ("apt install mariadb-server galera-4", ("mariadb-server", "galera-4")),
        (
            "DEBIAN_FRONTEND=noninteractive apt-get install -y pacemaker corosync pcs",
            ("pacemaker", "corosync", "pcs"),
        ),
        ("apt-get -y -o Dpkg::Options::=--force-confold install rsync", ("rsync",)),
        ("apt-get install -o APT::Install-Recommends=0 -y memcached", ("memcached",)),
        ("apt-get install -t bookworm-backports -y haproxy", ("haproxy",)),
        (
            "sudo -E apt-get install g++ libc6:amd64 galera-4=26.4.14-1",
            ("g++", "libc6", "galera-4"),
        ),
        ("env LANG=C /usr/bin/apt-get install -q -y rabbitmq-server", ("rabbitmq-server",)),
        ("dnf install -y pacemaker pcs", ("pacemaker", "pcs")),
        ("yum -y --enablerepo ha install fence-agents-all", ("fence-agents-all",)),
        ("apt-get update && apt-get install -y a; apt-get install b | tee log", ("a", "b")),
        ("apt-get install -y \\\n    a \\\n    b", ("a", "b")),
        ("(cd /tmp && apt-get install -y a)", ("a",)),
    ],
)
def test_install_commands_name_their_packages(script: str, expected: tuple[str, ...]) -> None:
    assert packages_in(script) == expected


@pytest.mark.parametrize(
    "script",
    [
        "apt-get update",
        "apt-get remove -y haproxy",
        "dnf module install nodejs:18",
        "echo apt-get install haproxy",
        "# apt-get install haproxy",
        "grep 'apt-get install haproxy' notes.txt",
        'apt-get install -y "$PACKAGES" ${MORE} $(cat list)',
        "apt-get install -y ./local.deb /tmp/x.deb 'lib*' old-",
        "dnf install -y @core https://example.org/x.rpm x.rpm",
        "cat > /etc/apt/notes <<'EOF'\napt-get install from-a-heredoc\nEOF",
        "echo 'an open\nquote apt-get install inside it'",
    ],
)
def test_what_is_not_a_literal_install_yields_no_package(script: str) -> None:
    assert packages_in(script) == ()


def test_the_command_after_a_heredoc_is_still_read() -> None:
    script = "cat <<-EOF >/etc/x\n\tdon't stop here\n\tEOF\napt-get install -y after"
    assert packages_in(script) == ("after",)


def test_a_scenario_lists_each_package_once_in_first_mention_order() -> None:
    scripts = ["apt-get install -y b a", "apt-get update", "apt-get install -y a c"]
    assert installed_packages(scripts) == ("b", "a", "c")


@given(st.lists(NAMES, min_size=1, max_size=6), st.sampled_from(["apt-get", "apt", "dnf", "yum"]))
def test_any_plain_names_are_found_however_the_command_is_quoted(names, tool) -> None:
    command = shlex.join([tool, "install", "-y", *names])
    assert packages_in(f"set -e\n{command} && echo done\n") == tuple(names)


@given(st.text(max_size=200))
def test_any_text_gives_only_plain_names_and_never_raises(script: str) -> None:
    for name in packages_in(script):
        assert name[0].isalnum()
        assert not set(name) & set(" \t\n'\"$`;|&<>()*?[]{}\\/@")


def test_a_hosts_answer_is_read_per_asked_package() -> None:
    output = (
        "os\tDebian GNU/Linux 12 (bookworm)\n"
        "dpkg\tii \tgalera-4\t26.4.14-1\n"
        "dpkg\trc \trsync\t3.2.7-1\n"
        "dpkg\tii \tunasked\t1.0\n"
        "rpm\tpcs\t0.11.7-2.el9\n"
        "package fence-agents is not installed\n"
    )
    system, versions = parse_facts(output, ["galera-4", "rsync", "pcs", "fence-agents"])
    assert system == "Debian GNU/Linux 12 (bookworm)"
    assert versions == {
        "galera-4": "26.4.14-1",
        "rsync": None,
        "pcs": "0.11.7-2.el9",
        "fence-agents": None,
    }


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=20).filter(lambda s: "\0" not in s), max_size=4))
def test_package_names_reach_dpkg_query_as_data_whatever_they_contain(names) -> None:
    """Run through bash with ``dpkg-query`` standing in: each name arrives as one argument."""
    spy = "dpkg-query() { shift 3; printf '%s\\0' \"$@\"; }\n"
    stdin = script_text({}, spy + facts_command(names))
    result = subprocess.run(["bash", "-s"], input=stdin, capture_output=True, check=True)
    output = result.stdout
    if output.startswith(b"os\t"):
        output = output.partition(b"\n")[2]
    expected = [b"--", *(name.encode() for name in names)] if names else []
    assert output.split(b"\0")[:-1] == expected
