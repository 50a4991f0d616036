"""The verification loop: try, compare, wait, try again, within retries and a timeout."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from runbook.execution.results import CommandResult
from runbook.model import Verify

#: Runs the verification command once, with at most this many seconds (None: no limit).
Attempt = Callable[[float | None], CommandResult]
#: Told of each failed attempt that will be retried: (attempt, attempts, reason, delay).
OnRetry = Callable[[int, int, str, float], None]


@dataclass(frozen=True, slots=True)
class VerifyOutcome:
    passed: bool
    attempts: int
    last: CommandResult | None
    reason: str = ""
    interrupted: bool = False


def mismatch(verify: Verify, result: CommandResult, mask: Callable[[str], str]) -> str | None:
    """Why ``result`` does not pass ``verify``, or ``None`` when it does.

    The expected-output regex is searched in standard output with ``^``/``$`` matching at
    line boundaries, so ``^3$`` accepts the usual one-line answer with its newline.
    """
    if result.timed_out:
        return f"timed out after {round(result.duration, 1):g}s"
    if result.exit_status != verify.expect_exit:
        why = f"exit status {result.exit_status}, expected {verify.expect_exit}"
        said = (result.out.strip() or result.err.strip()).splitlines()
        return f"{why}: {_short(mask(said[-1]))}" if said else why
    if verify.match is not None and not re.search(verify.match, result.out, re.MULTILINE):
        return f"output {_short(mask(result.out.strip()))!r} does not match {verify.match!r}"
    return None


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run_verification(
    verify: Verify,
    attempt: Attempt,
    *,
    on_retry: OnRetry,
    cancelled: threading.Event,
    mask: Callable[[str], str] = str,
    clock: Callable[[], float] = time.monotonic,
) -> VerifyOutcome:
    """Try ``1 + retries`` times, ``delay`` apart, giving up when ``timeout`` would pass.

    A try never starts if the wait before it would end past the timeout, and a running try
    is cut off at the timeout, so the whole loop stays within it. A host that cannot be
    reconnected ends the loop at once: no later try could reach it either.
    """
    attempts = 1 + verify.retries
    started = clock()
    result: CommandResult | None = None
    reason = ""
    for number in range(1, attempts + 1):
        remaining = None
        if verify.timeout is not None:
            remaining = verify.timeout - (clock() - started)
        result = attempt(remaining)
        if cancelled.is_set():
            return VerifyOutcome(False, number, result, "interrupted", interrupted=True)
        if result.unreachable:
            return VerifyOutcome(False, number, result, result.lost)
        why = mismatch(verify, result, mask)
        if why is None:
            return VerifyOutcome(True, number, result)
        reason = why
        if number == attempts:
            break
        if verify.timeout is not None and clock() - started + verify.delay >= verify.timeout:
            reason = f"{why}; gave up at the {verify.timeout:g}s timeout after {number} tries"
            return VerifyOutcome(False, number, result, reason)
        on_retry(number, attempts, why, verify.delay)
        if cancelled.wait(verify.delay):
            return VerifyOutcome(False, number, result, "interrupted", interrupted=True)
    if attempts > 1:
        reason = f"{reason} (after {attempts} tries)"
    return VerifyOutcome(False, attempts, result, reason)
