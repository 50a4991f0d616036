"""A whole drill against a real local TCP service that the fault takes away for a while."""

from __future__ import annotations

import dataclasses
import io
import socket
import threading
from collections.abc import Iterator, Sequence

import pytest

from runbook.drills.session import DrillError, DrillSession, Target
from runbook.execution.transport import LocalTransport
from runbook.model.drill import Budget, Drill, Fault, Probe


class Service:
    """A TCP listener on 127.0.0.1 that a fault can close and a restore open again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server: socket.socket | None = None
        self.stop_serving = threading.Event()
        self.open()

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        server.settimeout(0.1)
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while server.fileno() != -1:
            try:
                connection, _ = server.accept()
                connection.close()
            except TimeoutError:
                continue
            except OSError:
                return

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


class ServiceFaults:
    """Fault actions that take the local service away, and back only when asked to."""

    def __init__(self, service: Service, comes_back: bool = True) -> None:
        self.service = service
        self.comes_back = comes_back
        self.injected: list[tuple[str, ...]] = []

    def inject(self, fault: Fault, nodes: Sequence[str]) -> None:
        self.injected.append(tuple(nodes))
        self.service.close()

    def restore(self, fault: Fault, nodes: Sequence[str]) -> None:
        if self.comes_back:
            self.service.open()


@pytest.fixture
def service() -> Iterator[Service]:
    running = Service()
    yield running
    running.close()


def _drill(port: int, downtime: float) -> Drill:
    return Drill(
        name="local",
        title="local service",
        scenarios=("lb",),
        fault=Fault("link-down", ("localhost",)),
        probes=(Probe("tcp", port),),
        budget=Budget(downtime=downtime, mttr=30),
        verify="true",
        hold=1.5,
        recovery_timeout=8,
    )


def _session(drill: Drill, faults: ServiceFaults, out: io.StringIO) -> DrillSession:
    target = Target(("localhost",), {"localhost": "127.0.0.1"}, "127.0.0.1", {})
    transports = {"localhost": LocalTransport()}
    return DrillSession(drill, target, transports, transports, faults, out)


def test_a_drill_within_budget_passes_and_measures_the_outage(service: Service) -> None:
    out = io.StringIO()
    faults = ServiceFaults(service)
    outcome = _session(_drill(service.port, downtime=10), faults, out).run()
    assert faults.injected == [("localhost",)]
    assert outcome.passed, outcome.problems
    assert outcome.healthy_after
    # The service was away for the 1.5 s hold: the probes saw it, the timestamps say so.
    assert 1.2 <= outcome.figures.downtime <= 4
    assert outcome.figures.failed_requests >= 3
    assert outcome.figures.mttr is not None and outcome.figures.mttr >= 1.2
    assert "drill local: fault: link-down on localhost" in out.getvalue()


def test_a_drill_over_budget_fails_with_the_reason(service: Service) -> None:
    drill = _drill(service.port, downtime=0.5)
    outcome = _session(drill, ServiceFaults(service), io.StringIO()).run()
    assert not outcome.passed
    assert outcome.problems[0].startswith("downtime ")
    assert outcome.problems[0].endswith("is over the budget of 0.5 s")


def test_a_service_that_never_comes_back_is_not_restored(service: Service) -> None:
    faults = ServiceFaults(service, comes_back=False)
    outcome = _session(_drill(service.port, downtime=60), faults, io.StringIO()).run()
    assert outcome.figures.mttr is None
    assert not outcome.healthy_after
    assert "service was not restored before the measurement ended" in outcome.problems


def test_an_unhealthy_cluster_is_refused_before_the_fault(service: Service) -> None:
    drill = _drill(service.port, downtime=10)
    faults = ServiceFaults(service)
    broken = dataclasses.replace(drill, verify="false")
    with pytest.raises(DrillError, match="verification fails on localhost"):
        _session(broken, faults, io.StringIO()).run()
    assert faults.injected == []
