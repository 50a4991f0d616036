"""``runbook export``: the guide's scenarios as Fabric, JSON, bash and Ansible files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from runbook.cli.arguments import add_docs_argument

ORDER = 60


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the scenarios as Fabric, JSON, bash and Ansible files",
        description="Write every scenario of the guide (or only the SOURCES named) as a "
        "Fabric module, a JSON plan, a bash script and an Ansible playbook, with site.yml "
        "and index.json in dependency order. The same files as `sphinx-build -b runbook`. "
        "With --check, write nothing and exit 1 when the directory differs from what the "
        "guide generates now. The directory may hold only files an earlier export wrote "
        "(listed in its .runbook-export.json); anything else makes the export refuse, "
        "with nothing written, unless --force.",
    )
    parser.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="a scenario name or a .rst/.md/.scenario file (default: the whole guide)",
    )
    add_docs_argument(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("runbooks"),
        metavar="DIR",
        help="where to write (default: runbooks)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the directory with a fresh export instead of writing it",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write even where DIR holds files runbook export did not write (or that were "
        "changed since): such files are written over when they have an export's name, kept "
        "otherwise; nothing is ever deleted but an earlier export's own files, no link followed",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from runbook.docutils_.loader import load_guide, load_scenario
    from runbook.errors import ExportError
    from runbook.export.writer import differences, generate, write

    if args.sources:
        scenarios = {}
        for ref in args.sources:
            scenario = load_scenario(ref, docs_dir=args.docs, cache=args.cache)
            scenarios[scenario.name] = scenario
    else:
        guide = load_guide(args.docs, cache=args.cache)
        if guide.problems:
            for problem in guide.problems:
                print(problem, file=sys.stderr)
            print(f"runbook: the guide has {len(guide.problems)} problem(s)", file=sys.stderr)
            return 1
        scenarios = guide.scenarios
    files = generate(scenarios, Path.cwd())
    whole_guide = not args.sources
    if args.check:
        differing = differences(files, args.output, prune=whole_guide)
        for difference in differing:
            print(difference, file=sys.stderr)
        if differing:
            print(f"runbook: {args.output}/ is out of date: run `make runbooks`", file=sys.stderr)
            return 1
        print(f"{args.output}/ is what the guide generates ({len(files)} files)")
        return 0
    try:
        changed = write(files, args.output, prune=whole_guide, force=args.force, ansible=True)
    except ExportError as error:
        for refusal in error.problems:
            print(f"runbook: {refusal}", file=sys.stderr)
        return 1
    print(f"{args.output}/: {len(files)} files, {len(changed)} changed")
    return 0
