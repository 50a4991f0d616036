"""Opening the run's transports, one per host, in parallel, before any step runs.

:class:`~runbook.execution.transport.ConnectOptions`, what a connection is opened with,
lives beside the transport protocol.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from runbook.execution.errors import ConnectError, HostKeyError
from runbook.execution.transport import ConnectOptions, LocalTransport, Transport
from runbook.plan.model import LOCAL_HOST, Plan

TransportFactory = Callable[[str], Transport]


def ssh_factory(plan: Plan, options: ConnectOptions) -> TransportFactory:
    """Transports for the plan's hosts: local for the control host, SSH for the rest."""

    def make(name: str) -> Transport:
        if name == LOCAL_HOST:
            return LocalTransport(LOCAL_HOST)
        # Imported here: the plan and check paths never load Fabric (start-up time).
        from runbook.execution.ssh import SSHTransport

        if plan.inventory is None:
            raise ConnectError(f"host {name} is not in any inventory (give one with -i)")
        return SSHTransport(plan.inventory.host(name), options)

    return make


def open_all(hosts: Iterable[str], factory: TransportFactory) -> dict[str, Transport]:
    """Open every host's transport at once; on any failure close the others and raise.

    Every failure is reported, not only the first, so an operator fixes them in one go.
    """
    names = list(dict.fromkeys(hosts))
    transports = {name: factory(name) for name in names}
    if not names:
        return transports
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=min(len(names), 16)) as pool:
        futures = {name: pool.submit(transports[name].open) for name in names}
    for name, future in futures.items():
        error = future.exception()
        if error is not None:
            errors.append(str(error) if isinstance(error, ConnectError) else f"{name}: {error}")
    if errors:
        close_all(transports.values())
        kind = HostKeyError if all("host key" in e for e in errors) else ConnectError
        raise kind("cannot connect:\n  " + "\n  ".join(errors))
    return transports


def close_all(transports: Iterable[Transport]) -> None:
    for transport in transports:
        # Closing must never hide the outcome being reported.
        with contextlib.suppress(Exception):
            transport.close()
