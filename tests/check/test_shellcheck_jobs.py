"""shellcheck shared among several processes finds what one process finds, in the same order."""

from __future__ import annotations

from runbook.check.shell import SNIPPETS_PER_PROCESS, Snippet, shellcheck


def snippets(count: int) -> list[Snippet]:
    made = []
    for number in range(count):
        if number % 7 == 0:
            text = f"cd /tmp/{number}\nrm -rf $target/*"  # SC2115 and SC2086-class findings
        elif number % 11 == 0:
            text = f"echo `date` {number}"  # SC2006
        else:
            text = f'echo "{number}"'
        made.append(Snippet(("snippet", number), text, ("SC2086",) if number % 14 == 0 else ()))
    return made


def test_several_processes_report_exactly_what_one_process_reports() -> None:
    batch = snippets(3 * SNIPPETS_PER_PROCESS)
    alone = shellcheck(batch, jobs=1)
    shared = shellcheck(batch, jobs=3)
    assert alone, "the batch was meant to have findings"
    assert shared == alone
    assert {finding.key for finding in alone} >= {("snippet", 0), ("snippet", 11)}
