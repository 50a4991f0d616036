"""Failures told for someone learning the procedure: what happened, and what to look at."""

from __future__ import annotations

from runbook.execution.results import HostOutcome
from runbook.model import Step, Verify


def judged_by(verify: Verify) -> tuple[str, str]:
    """What the verification wants (``exit with status 0 ...``) and how patient it is."""
    wanted = f"exit with status {verify.expect_exit}"
    if verify.match:
        wanted += f" and print a line matching {verify.match!r}"
    patience = "one try"
    if verify.retries:
        patience = f"{1 + verify.retries} tries, {verify.delay:g}s apart"
    if verify.timeout is not None:
        patience += f", within {verify.timeout:g}s"
    return wanted, patience


def explain(step: Step, outcome: HostOutcome) -> list[str]:
    """Sentences that explain why ``step`` failed on ``outcome.host``."""
    host = outcome.host
    if outcome.status == "interrupted":
        return [f"The step was interrupted on {host} before it finished."]
    if outcome.phase == "copy":
        paths = " ".join(step.options.copy_paths)
        return [
            f"Copying {paths} to {host} failed: {outcome.message}.",
            "The files are read on the copy-from host with tar: check that they exist there, "
            "and that there is room for them on the receiving host.",
        ]
    if outcome.phase == "script":
        expected = outcome.expected_exit or 0
        return [
            f"The commands stopped on {host} with exit status {outcome.exit_status}; "
            f"the step expects {expected}.",
            "Scripts run with `set -e`: the first command that fails ends the "
            "script, so the last lines of output below usually name it.",
        ]
    if outcome.phase == "verify" and step.verify is not None:
        verify = step.verify
        wanted, patience = judged_by(verify)
        lines = [
            f"The commands ran on {host}, but the check that proves they worked did not pass: "
            f"{outcome.message.removeprefix('verification failed: ')}.",
            f"The check runs `{verify.command.strip()}` and must {wanted}; it had {patience}.",
        ]
        if verify.retries:
            lines.append(
                "If the service is only slow to come up, waiting and checking again will "
                "pass; if it keeps failing, the step did not do what it should: look at the "
                "service's status and logs on that host."
            )
        else:
            lines.append("Compare what the check printed with what it expects.")
        return lines
    return [f"The step failed on {host}: {outcome.message}."]
