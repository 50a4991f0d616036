"""Figure 3: the same scenario on 1 to 64 hosts, ours against ansible-playbook.

The scenario is one ``sleep`` step and trivial steps, all on every host. With as many
forks as hosts, a tool that truly works on the hosts side by side takes about as long for
N hosts as for one: its speedup, N x T(1) / T(N), is close to N. The time to open every
connection of the largest fleet is measured on its own, inside the runner's own code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.contenders import prepare, run_tool
from bench.corpus import write_trivial
from bench.lighthosts import LightFleet
from bench.measure import rotated, summary


def connect_seconds(source: Path, inventory: Path) -> float:
    """How long :func:`runbook.execution.connect.open_all` takes to open every host."""
    import runbook.execution.ssh  # noqa: F401 - imported before the clock starts, as in a run
    from runbook.docutils_.loader import load_scenario
    from runbook.execution.connect import close_all, open_all, ssh_factory
    from runbook.execution.transport import ConnectOptions
    from runbook.plan.build import build_plan
    from runbook.plan.inventory import load_inventory

    plan = build_plan(load_scenario(str(source)), load_inventory(inventory))
    hosts = [host.name for host in plan.inventory.hosts]  # type: ignore[union-attr]
    factory = ssh_factory(plan, ConnectOptions())
    started = time.perf_counter()
    transports = open_all(hosts, factory)
    elapsed = time.perf_counter() - started
    close_all(transports.values())
    return elapsed


def measure(
    fleet: LightFleet,
    workdir: Path,
    *,
    sizes: Sequence[int],
    steps: int,
    sleep: float,
    rounds: int,
    tools: Sequence[str],
    log: Callable[[str], None],
    ansible_max_hosts: int | None = None,
) -> dict[str, Any]:
    """Every tool on every size, each round; ``ansible`` only up to ``ansible_max_hosts``."""
    source = write_trivial(workdir / "sources", "bench-fleet", steps, verify=False, sleep=sleep)
    prepared = {
        size: prepare(source, fleet.inventory(size), workdir / f"fleet-{size}", raw_ssh=False)
        for size in sizes
    }
    walls: dict[tuple[str, int], list[float | None]] = {}
    cpus: dict[tuple[str, int], list[float]] = {}
    errors: dict[str, list[str]] = {}
    connects: list[float] = []
    for tool in tools:
        log(f"  warm-up: {tool}")
        run_tool(tool, prepared[min(sizes)], forks=1)
    for round_index in range(rounds):
        for position, size in enumerate(sizes):
            for tool in rotated(tools, round_index + position):
                if tool == "ansible" and ansible_max_hosts and size > ansible_max_hosts:
                    continue
                log(f"  round {round_index + 1}/{rounds}: {tool} on {size} host(s)")
                sample = run_tool(tool, prepared[size], forks=size)
                runs = walls.setdefault((tool, size), [None] * rounds)
                if sample.ok:
                    runs[round_index] = sample.wall
                    cpus.setdefault((tool, size), []).append(sample.cpu)
                else:
                    tail = "\n".join(sample.output.strip().splitlines()[-8:])
                    errors.setdefault(tool, []).append(
                        f"{size} hosts: exit {sample.status}: {tail}"
                    )
        log(f"  round {round_index + 1}/{rounds}: opening {max(sizes)} connections")
        connects.append(connect_seconds(source, fleet.inventory(max(sizes))))

    result: dict[str, Any] = {
        "host_type": "light: a network namespace running only sshd (the testbed image)",
        "sizes": list(sizes),
        "steps": steps,
        "sleep": sleep,
        "rounds": rounds,
        "ansible_max_hosts": ansible_max_hosts,
        "tools": {},
        "connect_all": {"hosts": max(sizes), "seconds": summary(connects, 3)},
    }
    for tool in tools:
        entry: dict[str, Any] = {"errors": errors.get(tool, []), "sizes": {}}
        base = walls.get((tool, 1), [None] * rounds)
        for size in sizes:
            runs = walls.get((tool, size), [None] * rounds)
            speedups = [
                size * one / many
                for one, many in zip(base, runs, strict=True)
                if one is not None and many is not None
            ]
            kept = [w for w in runs if w is not None]
            cpu = cpus.get((tool, size))
            entry["sizes"][str(size)] = {
                "wall": summary(kept, 3) if kept else None,
                "cpu": summary(cpu, 3) if cpu else None,
                "speedup": summary(speedups, 2) if speedups and 1 in sizes else None,
            }
        result["tools"][tool] = entry
    return result
