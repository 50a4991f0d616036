"""Running host commands for the testbed, and checking the host can run a testbed at all."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from runbook.errors import TestbedError

# Which Debian package brings each host tool, so a missing one names its fix.
HOST_TOOLS = {
    "systemd-nspawn": "systemd-container",
    "debootstrap": "debootstrap",
    "ip": "iproute2",
    "tc": "iproute2",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "ssh-keyscan": "openssh-client",
    "nsenter": "util-linux",
    "setsid": "util-linux",
    "iptables": "iptables",
    "mount": "mount",
    "umount": "mount",
    "chroot": "coreutils",
    "cp": "coreutils",
    "rm": "coreutils",
}


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    check: bool = True,
    timeout: float | None = 120,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one host command with its output captured; failures become TestbedError.

    Every caller passes an argument vector (never a shell string), so names and paths
    that come from the user can never be interpreted by a shell.
    """
    args = [str(arg) for arg in argv]
    try:
        result = subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError as error:
        raise TestbedError(missing_tool_message(args[0])) from error
    except subprocess.TimeoutExpired as error:
        raise TestbedError(f"`{shlex.join(args)}` did not finish in {timeout} s") from error
    if check and result.returncode != 0:
        raise TestbedError(
            f"`{shlex.join(args)}` failed (exit {result.returncode}): {tail(result.stderr)}"
        )
    return result


def tail(text: str, lines: int = 6) -> str:
    """The last lines of a command's output: enough to see why, short enough to read."""
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "(no output)"


def missing_tool_message(tool: str) -> str:
    package = HOST_TOOLS.get(tool)
    hint = f" (Debian package {package}; `make testbed-deps` installs it)" if package else ""
    return f"{tool} is not installed on this machine{hint}"


def require_root() -> None:
    """Mounts, bridges and nspawn all need root; say so before touching anything."""
    if os.geteuid() != 0:
        raise TestbedError(
            "the testbed needs root (it mounts overlays, creates a bridge and boots "
            "containers): run it as root, for example with sudo"
        )


def require_tools(*tools: str) -> None:
    """Refuse early, naming the package to install, when a host tool is missing."""
    for tool in tools:
        if shutil.which(tool) is None:
            raise TestbedError(missing_tool_message(tool))


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a zombie has already exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


#: Kernel limits a node's systemd needs several of; every node runs as the host's root,
#: so all testbeds share root's allowance. Debian's default of 128 inotify instances is
#: used up by about a dozen nodes, and nodes booted past it come up without sshd.
HOST_LIMITS = {
    "fs/inotify/max_user_instances": 1024,
    "fs/inotify/max_user_watches": 524288,
}


def raise_host_limits(proc_sys: Path = Path("/proc/sys")) -> None:
    """Raise the kernel limits in HOST_LIMITS to at least their value (never lowers one)."""
    for key, wanted in HOST_LIMITS.items():
        path = proc_sys / key
        try:
            current = int(path.read_text().split()[0])
            if current < wanted:
                path.write_text(f"{wanted}\n")
        except (OSError, ValueError, IndexError) as error:
            raise TestbedError(
                f"cannot raise {key.replace('/', '.')} to {wanted} ({error}); "
                f"run `sysctl -w {key.replace('/', '.')}={wanted}` as root"
            ) from error
