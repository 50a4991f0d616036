"""``runbook train --drill NAME``: from the command line to a drill exercise and its score.

Where the drill runs, whether its scenarios are deployed and what its probes need are
decided exactly as ``runbook drill`` decides them (the same functions); only the
exercise itself differs (:mod:`runbook.training.drill_lab`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

#: Typing commands on a host needs the connection soon; a host that lost power is only
#: waited for this long when a check looks at it.
QUICK_TIMEOUT = 5.0


def train_drill(args: argparse.Namespace, trainee: str) -> int:
    """The exercise; 0 when the trainee restored the service within budget, 1 otherwise,
    130 when they quit."""
    from runbook.cli.drill_cmd import deployed, drill_target, where
    from runbook.drills.faults import OperatorFaults, TestbedFaults
    from runbook.drills.guide import find_drill
    from runbook.drills.session import DrillSession
    from runbook.execution.connect import close_all, open_all, ssh_factory
    from runbook.execution.errors import RefusedError
    from runbook.execution.fingerprint import inventory_key
    from runbook.execution.runner import plan_secrets
    from runbook.execution.statedir import RunFiles, default_state_dir
    from runbook.execution.transport import ConnectOptions
    from runbook.model import Secret
    from runbook.training.drill_lab import DrillLab
    from runbook.training.progress import TrainingFiles
    from runbook.training.reset import planned_reset, restore, wait_healthy
    from runbook.training.screen import Screen
    from runbook.training.transcript import TrainingTranscript

    drill = find_drill(args.docs, args.drill)
    testbed, inventory = where(args)
    state_dir = args.state_dir or default_state_dir()
    missing = [name for name in drill.scenarios if not deployed(args, name, inventory, state_dir)]
    if missing:
        raise RefusedError(
            f"drill {drill.name} needs {', '.join(missing)} deployed on these hosts first "
            f"(`runbook run {missing[0]} -i {inventory}`)"
        )
    target, plan = drill_target(args, drill, inventory)
    reset = planned_reset(testbed, args.reset) if args.reset else None
    screen = Screen(sys.stdin, sys.stdout)
    if reset is not None:
        restore(reset, screen.say)
    if testbed is not None:
        faults: Any = TestbedFaults(testbed)
    else:
        typed = screen.ask(
            f"This breaks the cluster on {', '.join(target.hosts)} ({drill.fault}). "
            "Type the drill's name to go on: "
        )
        if (typed or "").strip() != drill.name:
            raise RefusedError("drill not confirmed")
        faults = OperatorFaults(sys.stdin, sys.stdout)
    files = TrainingFiles(
        RunFiles(state_dir, f"drill-{drill.name}", inventory_key(plan.inventory)), trainee
    )
    connect = ConnectOptions(
        accept_new_hostkeys=args.accept_new_hostkeys,
        timeout=QUICK_TIMEOUT,
        retries=1,
        alive_timeout=10.0,
    )
    quick = ConnectOptions(timeout=3.0, retries=0, alive_timeout=5.0)
    transports = open_all(target.hosts, ssh_factory(plan, connect))
    probe_transports = open_all(target.hosts, ssh_factory(plan, quick))
    # Every password the probes use, whichever of the drill's scenarios declares it.
    secrets = [*plan_secrets(plan), *(Secret(v) for v in target.passwords.values() if v)]
    transcript = TrainingTranscript(files.transcript, secrets, fresh=False)
    try:
        transcript.session(trainee, resumed=False)
        session = DrillSession(drill, target, transports, probe_transports, faults, sys.stdout)
        if reset is not None:
            wait_healthy(session.verified_everywhere, drill.recovery_timeout, screen.say)
        lab = DrillLab(session, screen, transcript)
        score = lab.run()
    finally:
        transcript.close()
        close_all([*transports.values(), *probe_transports.values()])
    if score.restored_by == "quit":
        return 130
    return 0 if score.passed else 1
