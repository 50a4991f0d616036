"""``python -m bench.run``: run the benchmark figures and write one results file.

``make bench`` runs everything and ``--publish``es the tables into the guide's benchmark
page; ``make bench-smoke`` runs tiny sizes once, to prove that every tool and figure
works, and asserts no time. Hosts: a one-node testbed for figures 1-2 and light hosts for
figure 3, each removed in a ``finally`` (and leftovers of killed runs removed first).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench import build, fleet, per_step, report, startup
from bench.contenders import ALL, FLEET
from bench.lighthosts import LightFleet, remove_stale

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PAGE_TABLES = REPO / "docs" / "benchmark-results.inc"
PAGE_JSON = REPO / "docs" / "benchmark-results.json"
SCHEMA = 1
TESTBED_PREFIX = "bench"
FIGURES = ("1", "2", "3", "4", "5")
#: The results' keys of all figures, in the page's order.
FIGURE_KEYS = ("per_step", "latency", "fleet", "build", "startup")


@dataclass(frozen=True)
class Sizes:
    """How big and how often: the full run's figures, or the smoke run's tiny ones."""

    steps: int = 50
    latency_steps: int = 20
    step_rounds: int = 3
    delay_ms: float = 20
    fleet_sizes: tuple[int, ...] = (1, 3, 8, 16, 64)
    fleet_steps: int = 20
    fleet_sleep: float = 2
    fleet_rounds: int = 3
    #: ansible-playbook on 64 hosts takes about five minutes a run on two cores.
    fleet_ansible_max_hosts: int | None = 16
    corpus_scenarios: int = 50
    corpus_steps: int = 30
    build_rounds: int = 3
    build_guide: bool = True
    startup_runs: int = 10


FULL = Sizes()
SMOKE = Sizes(
    steps=3,
    latency_steps=3,
    step_rounds=1,
    fleet_sizes=(1, 2),
    fleet_steps=2,
    fleet_sleep=0.2,
    fleet_rounds=1,
    corpus_scenarios=2,
    corpus_steps=3,
    build_rounds=1,
    build_guide=False,
    startup_runs=2,
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _version(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return "missing"
    return (result.stdout or result.stderr).strip().splitlines()[0]


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "kernel": f"Linux {platform.release()}",
        "python": platform.python_version(),
        "load_before": round(os.getloadavg()[0], 1),
        "versions": {
            "runbook": version("runbook"),
            "ansible-core": version("ansible-core"),
            "fabric": version("fabric"),
            "paramiko": version("paramiko"),
            "sphinx": version("sphinx"),
            "myst-parser": version("myst-parser"),
            "openssh": _version(["ssh", "-V"]),
        },
    }


@contextlib.contextmanager
def one_node_testbed() -> Iterator[tuple[str, Path]]:
    """A testbed of one node for this run only: (name, inventory); removed on exit."""
    from runbook.testbed import lifecycle
    from runbook.testbed.pytest_support import remove_stale as remove_stale_testbeds

    remove_stale_testbeds(TESTBED_PREFIX)
    name = f"{TESTBED_PREFIX}{os.getpid()}"
    lifecycle.down(name)
    try:
        log(f"testbed {name}: bringing up one node")
        state = lifecycle.up(name, nodes=1)
        yield name, state.paths.inventory
    finally:
        log(f"testbed {name}: removing")
        lifecycle.down(name)


def run_steps(sizes: Sizes, figures: set[str], workdir: Path) -> dict[str, Any]:
    from runbook.testbed import faults

    with one_node_testbed() as (name, inventory):

        def set_delay(delay_ms: float | None) -> None:
            if delay_ms is None:
                faults.clear(name, "node1")
            else:
                faults.netem(name, "node1", delay_ms=delay_ms)

        return per_step.measure(
            inventory,
            workdir / "steps",
            tools=ALL,
            steps=sizes.steps,
            latency_steps=sizes.latency_steps,
            rounds=sizes.step_rounds,
            delay_ms=sizes.delay_ms,
            set_delay=set_delay if "2" in figures else None,
            log=log,
        )


def run_fleet(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    remove_stale()
    count = max(sizes.fleet_sizes)
    log(f"light hosts: starting {count}")
    with LightFleet(count, workdir / "light") as hosts:
        return fleet.measure(
            hosts,
            workdir / "fleet",
            sizes=sizes.fleet_sizes,
            steps=sizes.fleet_steps,
            sleep=sizes.fleet_sleep,
            rounds=sizes.fleet_rounds,
            tools=FLEET,
            log=log,
            ansible_max_hosts=sizes.fleet_ansible_max_hosts,
        )


def run(
    sizes: Sizes, figures: set[str], workdir: Path, smoke: bool, results_dir: Path
) -> dict[str, Any]:
    started = datetime.datetime.now(datetime.UTC)
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "smoke": smoke,
        "started": started.isoformat(timespec="seconds"),
        "sizes": asdict(sizes),
        "machine": machine(),
        "figures": {},
    }
    if figures & {"1", "2"}:
        log("figures 1-2: per-step cost and latency")
        results["figures"].update(run_steps(sizes, figures, workdir))
        save_partial(results, results_dir)
    if "3" in figures:
        log("figure 3: fleet scaling")
        results["figures"]["fleet"] = run_fleet(sizes, workdir)
        save_partial(results, results_dir)
    if "4" in figures:
        log("figure 4: guide build")
        results["figures"]["build"] = build.measure(
            workdir / "build",
            corpus_scenarios=sizes.corpus_scenarios,
            corpus_steps=sizes.corpus_steps,
            rounds=sizes.build_rounds,
            log=log,
            guide=sizes.build_guide,
        )
        save_partial(results, results_dir)
    if "5" in figures:
        log("figure 5: start-up")
        results["figures"]["startup"] = startup.measure(sizes.startup_runs, log)
    finished = datetime.datetime.now(datetime.UTC)
    results["finished"] = finished.isoformat(timespec="seconds")
    results["machine"]["load_after"] = round(os.getloadavg()[0], 1)
    when = {
        "finished": results["finished"],
        "load": [results["machine"]["load_before"], results["machine"]["load_after"]],
    }
    results["measured"] = {key: when for key in results["figures"]}
    results["seconds"] = round((finished - started).total_seconds())
    results["goals"] = report.evaluate(results)
    return results


def save_partial(results: dict[str, Any], directory: Path) -> None:
    """The figures so far: a long run cut short keeps what it measured."""
    directory.mkdir(parents=True, exist_ok=True)
    kind = "smoke" if results["smoke"] else "full"
    (directory / f"partial-{kind}.json").write_text(json.dumps(results, indent=2) + "\n")


def write_results(results: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = results["started"].replace(":", "").replace("+0000", "Z")
    kind = "smoke" if results["smoke"] else "full"
    path = directory / f"{stamp}-{kind}.json"
    text = json.dumps(results, indent=2) + "\n"
    path.write_text(text)
    (directory / f"latest-{kind}.json").write_text(text)
    return path


def publish(results: dict[str, Any]) -> dict[str, Any]:
    """The guide's page includes the tables; the JSON is published beside it.

    A run of some figures only replaces those in the published results, and the page
    says when each figure was measured.
    """
    published = results
    if PAGE_JSON.exists() and set(results["figures"]) < set(FIGURE_KEYS):
        published = json.loads(PAGE_JSON.read_text())
        published["figures"].update(results["figures"])
        published["measured"].update(results["measured"])
        published["goals"] = report.evaluate(published)
    PAGE_TABLES.write_text(report.markdown(published))
    PAGE_JSON.write_text(json.dumps(published, indent=2) + "\n")
    return published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    parser.add_argument(
        "--figures", default=",".join(FIGURES), help="which figures, e.g. 1,2,5 (default all)"
    )
    parser.add_argument("--rounds", type=int, help="rounds for every figure (overrides)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write results")
    parser.add_argument(
        "--publish", action="store_true", help="write the tables and JSON into docs/"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    figures = set(args.figures.split(","))
    if not figures <= set(FIGURES):
        parser.error(f"--figures takes some of {','.join(FIGURES)}")
    if os.geteuid() != 0 and figures & {"1", "2", "3"}:
        parser.error("figures 1-3 need root (testbed and network namespaces)")
    sizes = SMOKE if args.smoke else FULL
    if args.rounds:
        sizes = replace(
            sizes, step_rounds=args.rounds, fleet_rounds=args.rounds, build_rounds=args.rounds
        )
    # A plain `kill` must still remove the testbed and the light hosts (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    workdir = Path(tempfile.mkdtemp(prefix="rb-bench-", dir="/var/tmp"))
    log(f"work directory {workdir}")
    try:
        results = run(sizes, figures, workdir, args.smoke, args.results)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    path = write_results(results, args.results)
    log(f"results: {path}")
    if args.publish:
        results = publish(results)
        log(f"published: {PAGE_TABLES.relative_to(REPO)}, {PAGE_JSON.relative_to(REPO)}")
    print(report.markdown(results), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
