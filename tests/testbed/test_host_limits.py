"""The testbed raises the host's inotify limits that many nodes need, and never lowers one."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook.errors import TestbedError
from runbook.testbed.system import HOST_LIMITS, raise_host_limits


@pytest.fixture
def proc_sys(tmp_path: Path) -> Path:
    """A stand-in for /proc/sys holding the limits as files (the real one needs root)."""
    for key in HOST_LIMITS:
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_text("128\n")
    return tmp_path


def test_low_limits_are_raised_to_what_nodes_need(proc_sys: Path) -> None:
    raise_host_limits(proc_sys)
    for key, wanted in HOST_LIMITS.items():
        assert int((proc_sys / key).read_text()) == wanted


def test_a_limit_already_higher_is_left_alone(proc_sys: Path) -> None:
    key = "fs/inotify/max_user_instances"
    (proc_sys / key).write_text("99999\n")
    raise_host_limits(proc_sys)
    assert (proc_sys / key).read_text() == "99999\n"


def test_an_unreadable_limit_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TestbedError, match=r"sysctl -w fs\.inotify\.max_user_instances=1024"):
        raise_host_limits(tmp_path)
