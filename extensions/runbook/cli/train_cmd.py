"""``runbook train``: a hands-on lab on real hosts, a scenario step by step or a drill.

``runbook train SCENARIO``: each step's explanation, hosts and commands; the trainee runs
them, types them, does them in their own shell and checks, asks for hints, or solves the
step; the step's verification judges. Progress is kept per trainee and inventory, so
``--resume`` continues; the end shows a summary and the transcript's path. Nothing is
journaled: training is practice, not a deployment record. It takes the same locks as
``runbook run``, so a trainee never works on hosts a run holds, nor a run on a trainee's.

``runbook train --drill NAME``: the drill's fault is injected on a deployed cluster and
only its symptom is told; the trainee repairs, and the drill's verification and probes
judge when service is back. The score is the time to restore, the hints used and the
collateral damage, beside the drill's budget.

Exit status: 0 every step passed (a drill restored by the trainee within budget), 1 a
drill given up or over budget, 2 bad options, 3 refused before anything ran, 130 quit.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from runbook.cli.plan_cmd import add_plan_arguments

ORDER = 45


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="a hands-on lab: a scenario step by step, or a drill to repair, on real hosts",
        description="Show each step of SCENARIO (its explanation, hosts and commands); run "
        "it, type the commands yourself, do it in your own shell and check, ask for a "
        "hint, or solve it; the step's verification judges. --resume continues where you "
        "stopped. With --drill NAME, a drill's fault is injected on a deployed cluster, "
        "you are told its symptom only, and repair it; you are scored on time, hints and "
        "collateral damage. Practice on the testbed: "
        "`runbook train basic-cluster -i $(runbook testbed inventory)`.",
    )
    add_plan_arguments(parser, optional=True)
    parser.add_argument(
        "--from", dest="start", metavar="STEP", help="start at STEP (id like galera/3, or number)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue your saved progress on this scenario and inventory",
    )
    parser.add_argument(
        "--trainee",
        metavar="NAME",
        help="whose progress and transcript (default: your user name)",
    )
    parser.add_argument(
        "--limit", metavar="HOSTS", help="only these inventory hosts or groups (comma separated)"
    )
    parser.add_argument(
        "--drill",
        metavar="NAME",
        help="repair a drill of the guide on a deployed cluster, told only its symptom",
    )
    parser.add_argument(
        "--testbed", metavar="NAME", help="with --drill: the testbed NAME (instead of -i)"
    )
    parser.add_argument(
        "--reset",
        metavar="SNAPSHOT",
        help="on a testbed: first restore SNAPSHOT (taken after deployment with `runbook "
        "testbed snapshot`) and wait until the deployment is healthy again",
    )
    parser.add_argument(
        "--accept-new-hostkeys",
        action="store_true",
        help="record unknown host keys (changed keys are always refused)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where runs keep their locks and journals and trainees their progress "
        "(default: as for `runbook run`)",
    )
    parser.set_defaults(handler=run)


def trainee_name(args: argparse.Namespace) -> str:
    from runbook.training.progress import check_trainee

    return check_trainee(args.trainee or getpass.getuser())


def run(args: argparse.Namespace) -> int:
    from runbook.execution.errors import UsageError

    if args.drill:
        if args.scenario or args.resume or args.start or args.limit or args.hosts:
            raise UsageError(
                "--drill takes no SCENARIO, --resume, --from, --limit or -H: the drill "
                "names its scenarios"
            )
        from runbook.cli.train_drill import train_drill

        return train_drill(args, trainee_name(args))
    if not args.scenario:
        raise UsageError("name a SCENARIO to train on, or a drill with --drill NAME")
    if args.testbed:
        raise UsageError("--testbed goes with --drill; for a scenario give -i INVENTORY")
    if args.resume and args.start:
        raise UsageError("--resume continues where you stopped: it takes no --from")
    if args.resume and args.reset:
        raise UsageError("--reset starts the exercise over from a snapshot: it takes no --resume")
    return _walkthrough(args)


def _walkthrough(args: argparse.Namespace) -> int:
    from runbook.cli.run_cmd import plan_or_refuse
    from runbook.execution.session import SessionOptions, StepChoice, require_inventory, run_files
    from runbook.execution.statedir import default_state_dir
    from runbook.execution.transport import ConnectOptions
    from runbook.training.progress import TrainingFiles
    from runbook.training.walkthrough import Trainee, train

    trainee = trainee_name(args)
    plan = plan_or_refuse(args, args.scenario)
    require_inventory(plan, "training runs on real hosts")
    if args.reset:
        from runbook.cli.drill_cmd import where
        from runbook.training.reset import planned_reset, restore

        restore(planned_reset(where(args)[0], args.reset), print)
    options = SessionOptions(
        state_dir=args.state_dir or default_state_dir(),
        record=False,
        connect=ConnectOptions(accept_new_hostkeys=args.accept_new_hostkeys),
    )
    files = TrainingFiles(run_files(plan, options.state_dir), trainee)
    return train(
        plan,
        options,
        StepChoice(start=args.start, limit=args.limit),
        sys.stdin,
        sys.stdout,
        trainee=Trainee(files, resume=args.resume),
        warn=lambda text: print(f"runbook: warning: {text}", file=sys.stderr),
    )
